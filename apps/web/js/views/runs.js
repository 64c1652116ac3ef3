// Runs: newest first, filtered by status / namespace / workflow, "Load more" a page at a time
// (up to 500 rows), refreshed every few seconds while the tab is visible.
/* global document, setInterval, clearInterval, FormData, URLSearchParams, CSS */
import { api } from '../api.js';
import { h, mount } from '../dom.js';
import { RUN_STATUSES, formatDuration, isTerminal, runDuration, shortId } from '../format.js';
import { emptyState, errorState, loading, pageHeader, statusBadge, timeAgo } from '../ui.js';

const PAGE = 25;
const REFRESH_MS = 4000;

export function renderRuns(root, query) {
  const filters = { status: query.get('status') ?? '', namespace: query.get('namespace') ?? '', name: query.get('name') ?? '' };
  const state = { items: [], nextCursor: undefined, error: undefined, loaded: false };
  const list = h('div', { class: 'card table-card' }, loading());
  const refreshToggle = h('input', { type: 'checkbox', id: 'auto-refresh', checked: true });

  // Every load reads from the top as many rows as are wanted ("Load more" asks for a page more),
  // and only the newest load's answer is shown: an auto-refresh racing a "Load more" can neither
  // drop the new page nor show rows twice.
  const MAX_ROWS = 500;
  let wanted = PAGE;
  let generation = 0;
  const load = async ({ more = false } = {}) => {
    if (more) wanted = Math.min(MAX_ROWS, wanted + PAGE);
    const mine = ++generation;
    try {
      const page = await api('GET', '/api/v1/runs', { query: { ...filters, limit: wanted } });
      if (mine !== generation) return;
      state.items = page.items;
      state.nextCursor = page.nextCursor;
      state.error = undefined;
    } catch (error) {
      if (mine !== generation) return;
      state.error = error;
    }
    state.loaded = true;
    draw();
  };

  let drawn = '';
  const draw = () => {
    // Redraw only when something changed (durations of unfinished runs change with time), and
    // give the keyboard focus back to the same link afterwards.
    const ticking = state.items.some((r) => !isTerminal(r.status)) ? Math.floor(Date.now() / 1000) : 0;
    const signature = JSON.stringify([state.items, state.nextCursor, state.error?.status, ticking]);
    if (signature === drawn) return;
    drawn = signature;
    const focused = list.contains(document.activeElement) ? focusKey(document.activeElement) : undefined;
    render();
    if (focused) list.querySelector(focused)?.focus();
  };

  const render = () => {
    if (state.error && state.items.length === 0) return mount(list, errorState(state.error));
    if (state.items.length === 0) {
      const filtered = filters.status || filters.namespace || filters.name;
      return mount(list, emptyState(filtered ? 'No runs match these filters' : 'No runs yet', filtered ? 'Clear the filters to see every run.' : 'Start one from the Workflows page, or with `npx baton run`.'));
    }
    const more = state.nextCursor && wanted < MAX_ROWS && h('button', { class: 'button', onclick: () => void load({ more: true }) }, 'Load more');
    mount(list, runsTable(state.items), h('div', { class: 'table-footer' }, h('span', { class: 'muted' }, `${state.items.length} run${state.items.length === 1 ? '' : 's'} shown`), more));
  };

  const applyFilters = (event) => {
    event.preventDefault();
    const data = new FormData(event.target);
    const params = new URLSearchParams([...data].filter(([, v]) => v !== ''));
    document.location.hash = `#/runs${params.size > 0 ? `?${params}` : ''}`;
  };

  mount(
    root,
    pageHeader('Runs', h('label', { class: 'toggle' }, refreshToggle, 'Auto-refresh')),
    filterForm(filters, applyFilters),
    list,
  );
  void load();
  const timer = setInterval(() => {
    if (refreshToggle.checked && !document.hidden && state.loaded) void load();
  }, REFRESH_MS);
  return () => clearInterval(timer);
}

/** A selector that finds the focused run link again after a redraw. */
function focusKey(element) {
  const run = element.closest('tr')?.dataset.run;
  if (!run) return element.matches('button') ? '.table-footer button' : undefined;
  const cell = element.closest('td');
  return `tr[data-run="${CSS.escape(run)}"] td:nth-child(${cell.cellIndex + 1}) a`;
}

function filterForm(filters, onsubmit) {
  const statusSelect = h('select', { id: 'filter-status', name: 'status' }, h('option', { value: '' }, 'Any status'), RUN_STATUSES.map((s) => h('option', { value: s, selected: filters.status === s }, s)));
  return h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter runs', onsubmit },
    h('div', { class: 'field' }, h('label', { for: 'filter-status' }, 'Status'), statusSelect),
    h('div', { class: 'field' }, h('label', { for: 'filter-namespace' }, 'Namespace'), h('input', { id: 'filter-namespace', name: 'namespace', value: filters.namespace, placeholder: 'any', autocomplete: 'off' })),
    h('div', { class: 'field' }, h('label', { for: 'filter-name' }, 'Workflow'), h('input', { id: 'filter-name', name: 'name', value: filters.name, placeholder: 'any', autocomplete: 'off' })),
    h('div', { class: 'field field-actions' }, h('button', { class: 'button primary', type: 'submit' }, 'Apply'), h('a', { class: 'button ghost', href: '#/runs' }, 'Clear')),
  );
}

function runsTable(runs) {
  const now = Date.now();
  return h(
    'table',
    { class: 'table' },
    h('caption', { class: 'visually-hidden' }, 'Runs, newest first'),
    h('thead', {}, h('tr', {}, ['Status', 'Workflow', 'Run', 'Created', 'Duration'].map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      runs.map((run) => {
        const href = `#/runs/${encodeURIComponent(run.id)}`;
        return h(
          'tr',
          { 'data-run': run.id },
          h('td', {}, statusBadge(run.status)),
          h('td', {}, h('a', { href, class: 'strong' }, `${run.namespace}/${run.name}`), h('span', { class: 'muted small' }, ` ${run.version}`)),
          h('td', {}, h('a', { href, class: 'mono', title: run.id }, shortId(run.id))),
          h('td', {}, timeAgo(run.createdAt)),
          h('td', { class: isTerminal(run.status) ? '' : 'muted' }, formatDuration(runDuration(run, now))),
        );
      }),
    ),
  );
}
