// Runs: newest first, filtered by status / namespace / workflow, found by id or by a value in
// their input (`q`), "Load more" a page at a time (up to 500 rows), refreshed every few seconds
// while the tab is visible. Rows can be selected for the bulk actions of run-actions.js (cancel).
/* global document, window, setInterval, clearInterval, FormData, URLSearchParams, CSS */
import { api } from '../api.js';
import { h, mount } from '../dom.js';
import { RUN_STATUSES, formatDuration, isTerminal, problemText, runDuration, shortId } from '../format.js';
import { queueInfo, queueText } from '../run-ops.js';
import { errorText } from '../timeline.js';
import { emptyState, errorState, loading, pageHeader, statusBadge, timeAgo, toast } from '../ui.js';
import { RUN_ACTIONS, performOnRuns } from './run-actions.js';

const PAGE = 25;
const REFRESH_MS = 4000;

export function renderRuns(root, query) {
  const filters = { q: (query.get('q') ?? '').trim(), status: query.get('status') ?? '', namespace: query.get('namespace') ?? '', name: query.get('name') ?? '' };
  const searching = filters.q !== '';
  const state = { items: [], nextCursor: undefined, error: undefined, loaded: false, selected: new Set() };
  const bulkBar = h('div', { class: 'bulk-bar', role: 'region', 'aria-label': 'Selected runs', hidden: true });
  const list = h('div', { class: 'card table-card' }, loading());
  const refreshToggle = h('input', { type: 'checkbox', id: 'auto-refresh', checked: true });

  // Every load reads from the top as many rows as are wanted ("Load more" asks for a page more),
  // and only the newest load's answer is shown: an auto-refresh racing a "Load more" can neither
  // drop the new page nor show rows twice.
  const MAX_ROWS = 500;
  let wanted = PAGE;
  let generation = 0;
  const load = async ({ more = false } = {}) => {
    if (more && !searching) wanted = Math.min(MAX_ROWS, wanted + PAGE);
    const mine = ++generation;
    try {
      // A search pages on with its cursor (each page examines a bounded window of runs, see
      // docs/API.md); a listing re-reads the newest `wanted` rows.
      const cursor = more && searching ? state.nextCursor : undefined;
      const page = await api('GET', '/api/v1/runs', { query: { ...filters, limit: searching ? PAGE : wanted, cursor } });
      if (mine !== generation) return;
      state.items = cursor ? [...state.items, ...page.items.filter((r) => !state.items.some((x) => x.id === r.id))] : page.items;
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
    for (const id of state.selected) if (!state.items.some((r) => r.id === id)) state.selected.delete(id);
    const signature = JSON.stringify([state.items, state.nextCursor, state.error?.status, ticking, [...state.selected]]);
    if (signature === drawn) return;
    drawn = signature;
    const focused = list.contains(document.activeElement) ? focusKey(document.activeElement) : undefined;
    render();
    if (focused) list.querySelector(focused)?.focus();
  };

  const render = () => {
    drawBulkBar();
    if (state.error && state.items.length === 0) return mount(list, errorState(state.error));
    if (state.items.length === 0) {
      if (searching && state.nextCursor) {
        return mount(list, emptyState('No match among the newest runs searched', 'Each search examines a thousand runs at a time. ', h('button', { class: 'button', onclick: () => void load({ more: true }) }, 'Search older runs')));
      }
      const filtered = filters.q || filters.status || filters.namespace || filters.name;
      return mount(list, emptyState(filtered ? 'No runs match these filters' : 'No runs yet', filtered ? 'Clear the filters to see every run.' : 'Start one from the Workflows page, or with `npx baton run`.'));
    }
    const more = state.nextCursor && (searching || wanted < MAX_ROWS) && h('button', { class: 'button', onclick: () => void load({ more: true }) }, searching ? 'Search older runs' : 'Load more');
    mount(list, runsTable(state.items, state.selected, toggle), h('div', { class: 'table-footer' }, h('span', { class: 'muted' }, `${state.items.length} run${state.items.length === 1 ? '' : 's'} ${searching ? 'found' : 'shown'}`), more));
  };

  /** Select one run (id) or, with `all`, every run shown. */
  const toggle = (id, on) => {
    const ids = id === 'all' ? state.items.map((r) => r.id) : [id];
    for (const one of ids) {
      if (on) state.selected.add(one);
      else state.selected.delete(one);
    }
    draw();
  };

  const drawBulkBar = () => {
    const chosen = state.items.filter((r) => state.selected.has(r.id));
    bulkBar.hidden = chosen.length === 0;
    if (chosen.length === 0) return mount(bulkBar);
    const actions = RUN_ACTIONS.filter((a) => a.bulk).map((action) => {
      const applicable = chosen.filter((r) => action.applies(r));
      return h('button', { class: `button ${action.tone ?? ''}`, type: 'button', disabled: applicable.length === 0, 'data-action': action.id, onclick: () => void bulk(action, applicable) }, `${action.bulkLabel ?? action.label} (${applicable.length})`);
    });
    mount(bulkBar, h('span', { class: 'strong' }, `${chosen.length} selected`), actions, h('button', { class: 'button ghost', type: 'button', onclick: () => toggle('all', false) }, 'Clear selection'));
  };

  const bulk = async (action, runs) => {
    if (runs.length === 0 || !window.confirm(action.confirm(runs))) return;
    for (const button of bulkBar.querySelectorAll('button')) button.disabled = true;
    const { done, failed } = await performOnRuns(action, runs);
    if (done.length > 0) toast(action.done(done.length), 'ok');
    for (const { run, error } of failed) toast(`${shortId(run.id)}: ${problemText(error.problem ?? error)}`, 'bad');
    state.selected.clear();
    drawn = '';
    await load();
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
    bulkBar,
    list,
  );
  void load();
  const timer = setInterval(() => {
    // A search that went on to older runs keeps its pages; a listing re-reads the newest rows.
    if (refreshToggle.checked && !document.hidden && state.loaded && !(searching && state.items.length > PAGE)) void load();
  }, REFRESH_MS);
  return () => clearInterval(timer);
}

/** A selector that finds the focused run link (or checkbox) again after a redraw. */
function focusKey(element) {
  if (element.matches('thead input')) return 'thead input';
  const run = element.closest('tr')?.dataset.run;
  if (!run) return element.matches('button') ? '.table-footer button' : undefined;
  const cell = element.closest('td');
  return `tr[data-run="${CSS.escape(run)}"] td:nth-child(${cell.cellIndex + 1}) ${element.matches('input') ? 'input' : 'a'}`;
}

function filterForm(filters, onsubmit) {
  const statusSelect = h('select', { id: 'filter-status', name: 'status' }, h('option', { value: '' }, 'Any status'), RUN_STATUSES.map((s) => h('option', { value: s, selected: filters.status === s }, s)));
  return h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter runs', onsubmit },
    h('div', { class: 'field grow search-field' }, h('label', { for: 'filter-q' }, 'Search'), h('input', { id: 'filter-q', name: 'q', type: 'search', value: filters.q, placeholder: 'Run id, or a value in the input', autocomplete: 'off', maxlength: '200', spellcheck: 'false' })),
    h('div', { class: 'field' }, h('label', { for: 'filter-status' }, 'Status'), statusSelect),
    h('div', { class: 'field' }, h('label', { for: 'filter-namespace' }, 'Namespace'), h('input', { id: 'filter-namespace', name: 'namespace', value: filters.namespace, placeholder: 'any', autocomplete: 'off' })),
    h('div', { class: 'field' }, h('label', { for: 'filter-name' }, 'Workflow'), h('input', { id: 'filter-name', name: 'name', value: filters.name, placeholder: 'any', autocomplete: 'off' })),
    h('div', { class: 'field field-actions' }, h('button', { class: 'button primary', type: 'submit' }, 'Apply'), h('a', { class: 'button ghost', href: '#/runs' }, 'Clear')),
  );
}

/** One line of a run's error (faulted runs), cut for the table; the whole line on hover. */
function errorSummary(run) {
  const line = run.error ? errorText(run.error) : undefined;
  if (!line) return h('span', { class: 'muted' }, '');
  return h('span', { class: 'error-summary', title: line }, line.length > 90 ? `${line.slice(0, 89)}…` : line);
}

/** "queued on key K" under the status of a run waiting for a concurrency slot. */
function queuedChip(run) {
  const queued = queueInfo(run);
  return queued && h('span', { class: 'chip queued', 'data-queued': queued.key ?? '' }, queueText(queued));
}

function runsTable(runs, selected, toggle) {
  const now = Date.now();
  const all = runs.length > 0 && runs.every((r) => selected.has(r.id));
  const some = runs.some((r) => selected.has(r.id));
  const selectAll = h('input', { type: 'checkbox', 'aria-label': 'Select every run shown', checked: all, onchange: (e) => toggle('all', e.target.checked) });
  selectAll.indeterminate = some && !all;
  return h(
    'table',
    { class: 'table runs-table' },
    h('caption', { class: 'visually-hidden' }, 'Runs, newest first'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', class: 'select' }, selectAll), ['Status', 'Workflow', 'Run', 'Created', 'Duration', 'Error'].map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      runs.map((run) => {
        const href = `#/runs/${encodeURIComponent(run.id)}`;
        return h(
          'tr',
          { 'data-run': run.id, class: selected.has(run.id) ? 'selected' : undefined },
          h('td', { class: 'select' }, h('input', { type: 'checkbox', 'aria-label': `Select run ${run.id}`, checked: selected.has(run.id), onchange: (e) => toggle(run.id, e.target.checked) })),
          h('td', {}, statusBadge(run.status), queuedChip(run)),
          h('td', {}, h('a', { href, class: 'strong' }, `${run.namespace}/${run.name}`), h('span', { class: 'muted small' }, ` ${run.version}`)),
          h('td', {}, h('a', { href, class: 'mono', title: run.id }, shortId(run.id))),
          h('td', {}, timeAgo(run.createdAt)),
          h('td', { class: isTerminal(run.status) ? '' : 'muted' }, formatDuration(runDuration(run, now))),
          h('td', { class: 'error-cell' }, errorSummary(run)),
        );
      }),
    ),
  );
}
