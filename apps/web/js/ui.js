// Small shared pieces of the pages: badges, states, JSON blocks, the toast.
/* global document, setTimeout */
import { h } from './dom.js';
import { formatTimestamp, prettyJson, problemText, relativeTime } from './format.js';

export function statusBadge(status) {
  return h('span', { class: `badge badge-${status}` }, h('span', { class: 'dot', 'aria-hidden': 'true' }), status.replace('_', ' '));
}

/** A relative time that shows the exact UTC time on hover and to screen readers. */
export function timeAgo(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: iso, title: formatTimestamp(iso) }, relativeTime(iso));
}

export function jsonBlock(value, label) {
  return h('pre', { class: 'code', tabindex: '0', 'aria-label': label ?? 'JSON' }, h('code', {}, prettyJson(value)));
}

export function loading(text = 'Loading…') {
  return h('div', { class: 'state', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

export function emptyState(title, ...text) {
  return h('div', { class: 'state empty' }, h('p', { class: 'state-title' }, title), text.length > 0 && h('p', { class: 'muted' }, ...text));
}

/** An API error where the content would be (401 has its own dialog; the message says what to do). */
export function errorState(error) {
  const problem = error?.problem ?? { detail: error?.message ?? String(error) };
  const hint = error?.status === 401 ? 'Enter a valid API key (top right).' : error?.status === 0 ? 'Is Baton running?' : undefined;
  return h('div', { class: 'state error', role: 'alert' }, h('p', { class: 'state-title' }, 'Something went wrong'), h('p', {}, problemText(problem)), hint && h('p', { class: 'muted' }, hint));
}

export function pageHeader(title, ...actions) {
  return h('div', { class: 'page-header' }, h('h1', { tabindex: '-1' }, title), h('div', { class: 'actions' }, ...actions));
}

export function toast(message, tone = 'info') {
  const host = document.getElementById('toasts');
  const item = h('div', { class: `toast toast-${tone}` }, message);
  host.append(item);
  setTimeout(() => item.remove(), 5000);
}

/** A definition list of label → value, skipping absent values. */
export function facts(rows) {
  return h('dl', { class: 'facts' }, rows.filter(([, value]) => value !== undefined && value !== null && value !== '').map(([label, value]) => h('div', {}, h('dt', {}, label), h('dd', {}, value))));
}
