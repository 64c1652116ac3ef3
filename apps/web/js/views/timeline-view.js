// Timeline entries as list items. Agent text grows in place in a read-only text area that stays
// scrolled to the end while the user has not scrolled up.
import { h } from '../dom.js';
import { formatTimestamp, prettyJson } from '../format.js';

const ICONS = { ok: '✓', bad: '✕', warn: '!', info: '•', muted: '·' };

export function timelineEntry(entry, runId) {
  const time = h('time', { datetime: entry.time, title: formatTimestamp(entry.time) }, clock(entry.time));
  const head = h(
    'div',
    { class: 'entry-head' },
    h('span', { class: `entry-icon tone-${entry.tone}`, 'aria-hidden': 'true' }, ICONS[entry.tone] ?? '•'),
    h('span', { class: 'entry-title' }, entry.title),
    entry.subtitle && h('span', { class: 'entry-sub mono' }, entry.subtitle),
    entry.replayed && replayedChip(entry.replayed),
    h('span', { class: 'entry-meta' }, time, h('span', { class: 'seq' }, `#${entry.seq}`)),
  );
  const body = [];
  if (entry.note) body.push(h('p', { class: 'entry-note' }, entry.note));
  if (entry.kind === 'agent-text') {
    body.push(h('textarea', { class: 'agent-text', readonly: true, rows: '4', 'aria-label': entry.title, value: entry.text }));
  }
  if (entry.kind === 'approval' && entry.approvalId && /requested/.test(entry.title)) {
    body.push(h('p', {}, h('a', { href: `#/approvals?run=${encodeURIComponent(runId)}` }, 'Open the approvals inbox')));
  }
  if (entry.detail !== undefined) {
    body.push(h('details', { class: 'entry-detail' }, h('summary', {}, entry.detailLabel ?? 'details'), h('pre', { class: 'code' }, h('code', {}, typeof entry.detail === 'string' ? entry.detail : prettyJson(entry.detail)))));
  }
  return h('li', { class: `entry kind-${entry.kind}`, 'data-seq': entry.seq, 'data-type': entry.type }, head, body);
}

/** "replayed": the result was recorded by the run reset and not executed again. */
export function replayedChip(replayed) {
  const from = replayed.runId ? `run ${replayed.runId}` : (replayed.source ?? 'the run reset');
  return h('span', { class: 'chip replayed', title: `replayed from ${from}: recorded there, not executed again` }, 'replayed');
}

export function updateTokens(node, entry) {
  const area = node?.querySelector('textarea');
  if (!area) return;
  const atEnd = area.scrollTop + area.clientHeight >= area.scrollHeight - 4;
  area.value = entry.text;
  if (atEnd) area.scrollTop = area.scrollHeight;
}

function clock(iso) {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? new Date(t).toISOString().slice(11, 23) : '';
}
