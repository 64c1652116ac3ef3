// Schedules (#/schedules): the workflows that start by themselves — every, cron, after, on — with
// what they do, their state, next tick, last run and counters, filtered by namespace and workflow
// (kept in the URL); Pause / Resume and Trigger now per schedule, the result said above the table.
// One schedule (#/schedules/ID): its settings, next ticks, counters, and the runs it started.
// Both refresh every few seconds while the tab is visible; relative times move every second.
/* global document, setInterval, clearInterval, FormData, URLSearchParams, CSS */
import { api } from '../api.js';
import { h, mount } from '../dom.js';
import { formatDuration, formatTimestamp, isTerminal, problemText, relativeTime, runDuration, shortId } from '../format.js';
import { formatTick, noTickReason, runHref, runTickText, scheduleEventTypes, scheduleHref, scheduleWhat, summaryText, triggerResult, triggerSummary } from '../schedule-format.js';
import { emptyState, errorState, facts, loading, pageHeader, statusBadge, timeAgo } from '../ui.js';

const REFRESH_MS = 3000;
const PAGE = 25;
const MAX_ROWS = 500;
const schedulePath = (id) => `/api/v1/schedules/${encodeURIComponent(id)}`;

// ---- shared pieces -----------------------------------------------------------------------------

function stateBadge(state) {
  return h('span', { class: `badge badge-${state === 'paused' ? 'paused' : 'active'}`, 'data-state': state }, h('span', { class: 'dot', 'aria-hidden': 'true' }), state);
}

/**
 * A relative time ("in 4 s", "2 min ago") kept current by the page's clock, the exact time on
 * hover. `future`: a time that is to come (a tick) says "due now" once it has passed.
 */
function liveTime(iso, { future = false } = {}) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: iso, title: formatTimestamp(iso), 'data-live': future ? 'future' : 'past' }, timeText(iso, future));
}

function timeText(iso, future, now = Date.now()) {
  const ahead = Date.parse(iso) - now;
  if (!future || !(ahead < 10_000)) return relativeTime(iso, now);
  return ahead > 0 ? 'in a few seconds' : 'due now';
}

/** Moves the relative times on, and a next tick on to the first of its schedule's ticks still to come. */
function refreshTimes(root) {
  const now = Date.now();
  for (const el of root.querySelectorAll('[data-ticks]')) {
    const ticks = el.dataset.ticks.split(' ');
    const next = ticks.find((t) => Date.parse(t) > now - 500) ?? ticks.at(-1);
    if (el.dataset.next === next) continue;
    el.dataset.next = next;
    const time = el.querySelector('time');
    time.setAttribute('datetime', next);
    time.title = formatTimestamp(next);
    el.querySelector('[data-absolute]').textContent = formatTick(next, el.dataset.tz);
  }
  for (const el of root.querySelectorAll('time[data-live]')) {
    const text = timeText(el.getAttribute('datetime'), el.dataset.live === 'future', now);
    if (el.textContent !== text) el.textContent = text;
  }
}

/** The next tick: relative and absolute (in the schedule's time zone), or why there is none. */
function nextTick(schedule) {
  const next = schedule.nextTicks?.[0];
  if (!next) return h('span', { class: 'muted', 'data-next': '' }, noTickReason(schedule));
  return h(
    'span',
    { class: 'sched-when', 'data-next': next, 'data-ticks': schedule.nextTicks.join(' '), 'data-tz': schedule.timezone },
    liveTime(next, { future: true }),
    h('span', { class: 'muted small', 'data-absolute': true }, formatTick(next, schedule.timezone)),
  );
}

function what(schedule) {
  const types = scheduleEventTypes(schedule);
  return h('span', { class: 'sched-what' }, h('span', { class: 'mono' }, scheduleWhat(schedule)), types.length > 0 && h('span', { class: 'muted small' }, types.join(', ')));
}

/** Redraw `container` with `draw`, giving the focus back to the same control of the same row. */
function redrawKeepingFocus(container, draw) {
  const active = document.activeElement;
  let place;
  if (active && active !== document.body && container.contains(active)) {
    const row = active.closest('[data-key]');
    const controls = [...(row ?? container).querySelectorAll('a, button, input, select')];
    place = { row: row?.dataset.key, index: controls.indexOf(active) };
  }
  draw();
  if (!place || place.index < 0) return;
  const scope = place.row === undefined ? container : container.querySelector(`[data-key="${CSS.escape(place.row)}"]`);
  scope?.querySelectorAll('a, button, input, select')[place.index]?.focus();
}

/**
 * Pause / Resume and Trigger now for one schedule. `report(result)` shows what happened;
 * `changed()` reloads the page's data. A click while a request is out is ignored (the buttons
 * are not disabled, so they keep the keyboard focus).
 */
function scheduleButtons(schedule, { report, changed }) {
  const workflow = `${schedule.namespace}/${schedule.name}`;
  let busy = false;
  const run = (button, work) => async () => {
    if (busy) return;
    busy = true;
    button.setAttribute('aria-busy', 'true');
    try {
      report(await work());
    } catch (error) {
      report({ tone: 'bad', text: `${workflow}: ${problemText(error.problem ?? error)}` });
    } finally {
      busy = false;
      button.removeAttribute('aria-busy');
      await changed();
    }
  };
  const paused = schedule.state === 'paused';
  const toggle = h('button', { class: 'button small', type: 'button', 'data-action': paused ? 'resume' : 'pause', 'aria-label': `${paused ? 'Resume' : 'Pause'} ${workflow}` }, paused ? 'Resume' : 'Pause');
  toggle.addEventListener(
    'click',
    run(toggle, async () => {
      const after = await api('POST', `${schedulePath(schedule.id)}/${paused ? 'resume' : 'pause'}`);
      const next = after.nextTicks?.[0];
      return paused
        ? { tone: 'ok', text: `${workflow}: resumed${next ? `, next tick ${relativeTime(next)} (${formatTick(next, after.timezone)})` : ''}.` }
        : { tone: 'ok', text: `${workflow}: paused — no tick${after.kind === 'on' ? ' or event' : ''} starts a run until it is resumed.` };
    }),
  );
  const trigger = h('button', { class: 'button small', type: 'button', 'data-action': 'trigger', 'aria-label': `Trigger ${workflow} now` }, 'Trigger now');
  trigger.addEventListener(
    'click',
    run(trigger, async () => triggerResult(await api('POST', `${schedulePath(schedule.id)}/trigger`), workflow)),
  );
  return h('span', { class: 'sched-actions' }, toggle, trigger);
}

/** The line above a table that says what the last action did (a live region). */
function resultLine() {
  const node = h('div', { class: 'sched-result', role: 'status', 'aria-live': 'polite', hidden: true });
  const show = (result) => {
    node.hidden = false;
    node.className = `sched-result tone-line-${result.tone ?? 'info'}`;
    mount(node, result.text, result.runId && h('a', { href: runHref(result.runId), class: 'mono', title: result.runId }, result.label ?? result.runId));
  };
  return { node, show };
}

function filterForm(filters) {
  const onsubmit = (event) => {
    event.preventDefault();
    const params = new URLSearchParams([...new FormData(event.target)].filter(([, v]) => v !== ''));
    document.location.hash = `#/schedules${params.size > 0 ? `?${params}` : ''}`;
  };
  return h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter schedules', onsubmit },
    h('div', { class: 'field' }, h('label', { for: 'sched-namespace' }, 'Namespace'), h('input', { id: 'sched-namespace', name: 'namespace', value: filters.namespace, placeholder: 'any', autocomplete: 'off' })),
    h('div', { class: 'field' }, h('label', { for: 'sched-name' }, 'Workflow'), h('input', { id: 'sched-name', name: 'name', value: filters.name, placeholder: 'any', autocomplete: 'off' })),
    h('div', { class: 'field field-actions' }, h('button', { class: 'button primary', type: 'submit' }, 'Apply'), h('a', { class: 'button ghost', href: '#/schedules' }, 'Clear')),
  );
}

/** Reloads every REFRESH_MS while `enabled()` and the tab is visible; moves relative times every second. Returns stop(). */
function keepFresh(root, load, enabled) {
  const refresh = setInterval(() => {
    if (enabled() && !document.hidden) void load();
  }, REFRESH_MS);
  const clock = setInterval(() => refreshTimes(root), 1000);
  return () => {
    clearInterval(refresh);
    clearInterval(clock);
  };
}

// ---- the list ----------------------------------------------------------------------------------

export function renderSchedules(root, query) {
  const filters = { namespace: query.get('namespace') ?? '', name: query.get('name') ?? '' };
  const state = { items: [], nextCursor: undefined, error: undefined };
  const list = h('div', { class: 'card table-card' }, loading());
  const result = resultLine();
  const refreshToggle = h('input', { type: 'checkbox', id: 'auto-refresh', checked: true });
  let wanted = 50;
  let generation = 0;
  let drawn = '';

  const load = async ({ more = false } = {}) => {
    if (more) wanted = Math.min(MAX_ROWS, wanted + 50);
    const mine = ++generation;
    try {
      const page = await api('GET', '/api/v1/schedules', { query: { ...filters, limit: wanted } });
      if (mine !== generation) return;
      state.items = page.items;
      state.nextCursor = page.nextCursor;
      state.error = undefined;
    } catch (error) {
      if (mine !== generation) return;
      state.error = error;
    }
    draw();
  };

  const draw = () => {
    const signature = JSON.stringify([state.items, state.nextCursor, state.error?.status, state.error?.message]);
    if (signature === drawn) return;
    drawn = signature;
    redrawKeepingFocus(list, render);
  };

  const render = () => {
    if (state.error && state.items.length === 0) return mount(list, errorState(state.error));
    if (state.items.length === 0) {
      const filtered = filters.namespace || filters.name;
      return mount(list, filtered ? emptyState('No schedules match these filters', 'Clear the filters to see every schedule.') : emptyState('No schedules yet', 'A workflow whose document has a `schedule:` (every, cron, after or on) gets one when it is registered. See docs/SCHEDULES.md.'));
    }
    const more = state.nextCursor && wanted < MAX_ROWS && h('button', { class: 'button', type: 'button', onclick: () => void load({ more: true }) }, 'Load more');
    mount(list, schedulesTable(state.items, { report: result.show, changed: load }), h('div', { class: 'table-footer' }, h('span', { class: 'muted' }, `${state.items.length} schedule${state.items.length === 1 ? '' : 's'}`), more));
  };

  mount(root, pageHeader('Schedules', h('label', { class: 'toggle' }, refreshToggle, 'Auto-refresh')), filterForm(filters), result.node, list);
  void load();
  return keepFresh(root, load, () => refreshToggle.checked);
}

function schedulesTable(items, handlers) {
  const headings = ['Workflow', 'Schedule', 'State', 'Next tick', 'Last run', 'Runs', 'Skipped', 'Actions'];
  return h(
    'table',
    { class: 'table stack-table schedules-table' },
    h('caption', { class: 'visually-hidden' }, 'Schedules by namespace and workflow'),
    h('thead', {}, h('tr', {}, headings.map((t) => h('th', { scope: 'col', class: t === 'Runs' || t === 'Skipped' ? 'num' : undefined }, t === 'Actions' ? h('span', { class: 'visually-hidden' }, t) : t)))),
    h(
      'tbody',
      {},
      items.map((s) =>
        h(
          'tr',
          { 'data-key': s.id, 'data-schedule': s.id },
          h('td', { 'data-label': 'Workflow' }, h('span', {}, h('a', { href: scheduleHref(s.id), class: 'strong' }, `${s.namespace}/${s.name}`), h('span', { class: 'muted small mono' }, `@${s.version}`))),
          h('td', { 'data-label': 'Schedule' }, what(s)),
          h('td', { 'data-label': 'State' }, stateBadge(s.state)),
          h('td', { 'data-label': 'Next tick' }, nextTick(s)),
          h('td', { 'data-label': 'Last run' }, s.lastRunId ? h('span', { class: 'sched-when' }, h('a', { href: runHref(s.lastRunId), class: 'mono nowrap', title: s.lastRunId }, shortId(s.lastRunId)), s.lastTickAt && liveTime(s.lastTickAt)) : h('span', { class: 'muted' }, 'none yet')),
          h('td', { 'data-label': 'Runs', class: 'num', title: 'runs started' }, String(s.ticks)),
          h('td', { 'data-label': 'Skipped', class: 'num', title: 'ticks not started (catch-up, overlap skip)' }, String(s.skipped)),
          h('td', { class: 'align-end' }, scheduleButtons(s, handlers)),
        ),
      ),
    ),
  );
}

// ---- one schedule ------------------------------------------------------------------------------

export function renderSchedule(root, id) {
  const header = h('section', { class: 'card', 'aria-label': 'Schedule' }, loading());
  const ticks = h('section', { class: 'card', 'aria-labelledby': 'next-ticks-title' }, h('h2', { id: 'next-ticks-title' }, 'Next ticks'), loading());
  const runs = h('div', { class: 'card table-card' }, loading());
  const result = resultLine();
  const refreshToggle = h('input', { type: 'checkbox', id: 'auto-refresh', checked: true });
  const state = { schedule: undefined, runs: [], nextCursor: undefined, error: undefined, runsError: undefined };
  const crumb = h('span', { class: 'mono' }, id);
  let wanted = PAGE;
  let generation = 0;
  const drawn = { header: '', ticks: '', runs: '' };

  const load = async ({ more = false } = {}) => {
    if (more) wanted = Math.min(MAX_ROWS, wanted + PAGE);
    const mine = ++generation;
    const [schedule, page] = await Promise.allSettled([api('GET', schedulePath(id)), api('GET', '/api/v1/runs', { query: { scheduleId: id, limit: wanted } })]);
    if (mine !== generation) return;
    if (schedule.status === 'fulfilled') [state.schedule, state.error] = [schedule.value, undefined];
    else state.error = schedule.reason;
    if (page.status === 'fulfilled') [state.runs, state.nextCursor, state.runsError] = [page.value.items, page.value.nextCursor, undefined];
    else state.runsError = page.reason;
    draw();
  };

  const draw = () => {
    const s = state.schedule;
    if (!s) {
      if (state.error) mount(header, errorState(state.error));
      return;
    }
    crumb.textContent = `${s.namespace}/${s.name}`;
    crumb.className = '';
    const part = (name, node, signature, render) => {
      const text = JSON.stringify(signature);
      if (drawn[name] === text) return;
      drawn[name] = text;
      redrawKeepingFocus(node, render);
    };
    part('header', header, [s, state.error?.status], () => mount(header, scheduleHeader(s, { report: result.show, changed: load }), state.error && errorState(state.error)));
    part('ticks', ticks, [s.nextTicks, s.state, s.timezone, s.consuming], () => mount(ticks, h('h2', { id: 'next-ticks-title' }, 'Next ticks'), nextTicksList(s)));
    // Durations of runs still going move with time.
    const moving = state.runs.some((r) => !isTerminal(r.status)) ? Math.floor(Date.now() / 1000) : 0;
    part('runs', runs, [state.runs, state.nextCursor, state.runsError?.message, moving, s.timezone], () => mount(runs, ...scheduleRuns(state, s, () => void load({ more: true }), wanted < MAX_ROWS)));
  };

  mount(
    root,
    h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/schedules' }, 'Schedules'), ' / ', crumb),
    header,
    result.node,
    h('div', { class: 'sched-columns' }, ticks, h('section', { 'aria-labelledby': 'sched-runs-title', class: 'sched-runs' }, h('div', { class: 'card-header' }, h('h2', { id: 'sched-runs-title' }, 'Runs it started'), h('label', { class: 'toggle' }, refreshToggle, 'Auto-refresh')), runs)),
  );
  void load();
  return keepFresh(root, load, () => refreshToggle.checked);
}

function scheduleHeader(s, handlers) {
  const workflow = h('a', { href: `#/workflows/${[s.namespace, s.name, s.version].map(encodeURIComponent).join('/')}` }, `${s.namespace}/${s.name}@${s.version}`);
  const cron = s.kind === 'cron';
  const repeating = s.kind === 'every' || cron;
  return [
    h(
      'div',
      { class: 'run-title' },
      h('div', {}, h('h1', { tabindex: '-1' }, `${s.namespace}/${s.name}`, h('span', { class: 'version' }, s.version)), h('p', { class: 'muted' }, what(s))),
      h('div', { class: 'actions run-actions' }, stateBadge(s.state), scheduleButtons(s, handlers)),
    ),
    facts([
      ['Workflow', workflow],
      ['Time zone', cron ? s.timezone : undefined],
      ['Overlap', repeating ? s.overlap : undefined],
      ['Catch-up', repeating ? s.catchUp : undefined],
      ['Catch-up window', repeating ? s.catchUpWindow : undefined],
      ['Catch-up limit', repeating ? String(s.catchUpLimit) : undefined],
      ['Runs started', h('span', { 'data-count': 'ticks' }, String(s.ticks))],
      ['Ticks skipped', h('span', { 'data-count': 'skipped' }, String(s.skipped))],
      ['Events gathered', s.kind === 'on' && s.consuming ? String(s.consuming) : undefined],
      ['Last tick', s.lastTickAt && h('span', { class: 'sched-when' }, liveTime(s.lastTickAt), h('span', { class: 'muted small' }, formatTick(s.lastTickAt, s.timezone)))],
      ['Last run', s.lastRunId && h('a', { href: runHref(s.lastRunId), class: 'mono' }, s.lastRunId)],
      ['Created', formatTimestamp(s.createdAt)],
      ['Schedule id', h('span', { class: 'mono' }, s.id)],
    ]),
  ];
}

function nextTicksList(s) {
  if (!s.nextTicks || s.nextTicks.length === 0) return h('p', { class: 'muted', 'data-next': '' }, `No tick to come: ${noTickReason(s)}.`);
  return h(
    'ol',
    { class: 'sched-ticks' },
    s.nextTicks.map((t) => h('li', { 'data-tick': t }, h('span', { class: 'mono' }, formatTick(t, s.timezone)), liveTime(t, { future: true }))),
  );
}

/** The runs the schedule started, newest first: status, run, its tick (or event), created, duration. */
function scheduleRuns(state, s, loadMore, canGrow) {
  if (state.runsError && state.runs.length === 0) return [errorState(state.runsError)];
  if (state.runs.length === 0) return [emptyState('No runs yet', s.state === 'paused' ? 'The schedule is paused.' : 'They appear here as the schedule starts them.')];
  const now = Date.now();
  const table = h(
    'table',
    { class: 'table stack-table sched-runs-table' },
    h('caption', { class: 'visually-hidden' }, 'Runs the schedule started, newest first'),
    h('thead', {}, h('tr', {}, ['Status', 'Run', 'Tick', 'Created', 'Duration'].map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      state.runs.map((run) => {
        const summary = triggerSummary(run);
        const manual = summary?.manual;
        return h(
          'tr',
          { 'data-key': run.id, 'data-run': run.id, 'data-manual': manual ? 'true' : undefined },
          h('td', { 'data-label': 'Status' }, statusBadge(run.status)),
          h('td', { 'data-label': 'Run' }, h('a', { href: runHref(run.id), class: 'mono', title: run.id }, shortId(run.id))),
          h('td', { 'data-label': 'Tick', title: summaryText(summary) }, h('span', {}, runTickText(run, s.timezone), manual && h('span', { class: 'chip sched-manual' }, 'manual'))),
          h('td', { 'data-label': 'Created' }, timeAgo(run.createdAt)),
          h('td', { 'data-label': 'Duration', class: isTerminal(run.status) ? '' : 'muted' }, formatDuration(runDuration(run, now))),
        );
      }),
    ),
  );
  const more = state.nextCursor && canGrow && h('button', { class: 'button', type: 'button', onclick: loadMore }, 'Load more');
  return [table, h('div', { class: 'table-footer' }, h('span', { class: 'muted' }, `${state.runs.length} newest shown · ${s.ticks} started in all`), more)];
}

