// System (#/system): the machinery as an operator asks about it first when runs are slow — how far
// the runner is behind, what PostgreSQL holds that is due, each queue's depth and oldest message
// (with a trend of the last minutes, drawn from this page's own readings), and the workers
// consuming each queue: alive or gone, and the tasks each holds. One request (GET /api/v1/system)
// every 2 s while the tab is visible.
/* global document, setInterval, clearInterval, CSS */
import { api, runPath } from '../api.js';
import { h, mount, s } from '../dom.js';
import { formatDuration, shortId } from '../format.js';
import { emptyState, errorState, loading, pageHeader } from '../ui.js';

const REFRESH_MS = 2000;
/** Readings kept per queue for the trend (2 s apart: 4 minutes). */
const HISTORY = 120;

/** Workers renew leases every 10 s and consume every ≤ 2 s when idle: longer unseen is worth a look. */
const QUIET_MS = 10_000;
const BADGES = { alive: 'completed', quiet: 'waiting', gone: 'faulted' };
const KIND_LABELS = { http: 'HTTP calls', agent: 'Agent steps', approval: 'Approvals (wait for people)', workflow: 'Subflows (child runs)' };

export function renderSystem(root) {
  const refreshToggle = h('input', { type: 'checkbox', checked: true, 'aria-label': 'Auto-refresh' });
  const updated = h('span', { class: 'muted small', 'aria-live': 'off' });
  const body = h('div', { class: 'system' }, loading());
  const history = new Map();
  let readAt = 0;
  let busy = false;

  async function load() {
    if (busy) return;
    busy = true;
    try {
      const overview = await api('GET', '/api/v1/system');
      readAt = Date.now();
      for (const queue of overview.queues.queues) {
        const points = history.get(queue.name) ?? [];
        points.push(queue.waiting);
        if (points.length > HISTORY) points.shift();
        history.set(queue.name, points);
      }
      redraw(body, overview, history);
      updated.textContent = 'updated just now';
    } catch (error) {
      mount(body, error?.status === 403 ? forbiddenState(error) : errorState(error));
    } finally {
      busy = false;
    }
  }

  mount(root, pageHeader('System', updated, h('label', { class: 'toggle' }, refreshToggle, 'Auto-refresh')), body);
  void load();
  const timer = setInterval(() => {
    if (readAt) updated.textContent = `updated ${formatDuration(Date.now() - readAt)} ago`;
    if (refreshToggle.checked && !document.hidden) void load();
  }, REFRESH_MS);
  return () => clearInterval(timer);
}

function forbiddenState(error) {
  return emptyState('The system view needs an admin key', error.problem?.detail ?? '', ' It shows queues and workers of every namespace.');
}

/** Redraws in place, keeping the focus on the same control (a run link, a details toggle). */
function redraw(body, overview, history) {
  const active = document.activeElement;
  const focus = active && body.contains(active) ? focusKey(active) : undefined;
  const open = new Set([...body.querySelectorAll('details[open][data-key]')].map((d) => d.dataset.key));
  mount(body, summary(overview), queuesCard(overview.queues, history), workersCard(overview.queues, open), attemptsCard(overview.backlog));
  if (focus) body.querySelector(focus)?.focus({ preventScroll: true });
}

function focusKey(element) {
  const key = element.closest('[data-key]')?.dataset.key;
  return key ? `[data-key="${CSS.escape(key)}"] ${element.matches('summary') ? 'summary' : 'a'}` : undefined;
}

// ---- the figures at a glance --------------------------------------------------------------------

function summary({ runnerLag, backlog }) {
  const lagTone = runnerLag.lagMs >= 60_000 ? 'bad' : runnerLag.lagMs >= 5_000 ? 'warn' : 'ok';
  const lagParts = [
    ['runner queue', runnerLag.runnerQueueMs],
    ['timers', runnerLag.timersMs],
    ['outbox', runnerLag.outboxMs],
    ['schedules', runnerLag.schedulesMs],
  ].filter(([, ms]) => ms > 0);
  return h(
    'section',
    { class: 'stat-grid', 'aria-label': 'At a glance' },
    stat('Runner lag', formatLag(runnerLag.lagMs), lagParts.length > 0 ? lagParts.map(([what, ms]) => `${what} ${formatDuration(ms)}`).join(' · ') : 'keeping up', lagTone, 'lag'),
    stat('Pending runs', count(backlog.pendingRuns, backlog.countCap), oldest(backlog.pendingRuns, 'oldest waited'), backlog.pendingRuns.count > 0 ? 'warn' : 'ok', 'pending-runs'),
    stat('Outbox due', count(backlog.outboxDue, backlog.countCap), oldest(backlog.outboxDue, 'overdue by'), backlog.outboxDue.count > 0 ? 'warn' : 'ok', 'outbox'),
    stat('Timers due', count(backlog.timersDue, backlog.countCap), oldest(backlog.timersDue, 'overdue by'), backlog.timersDue.count > 0 ? 'warn' : 'ok', 'timers'),
    stat('Schedule ticks due', count(backlog.schedulesDue, backlog.countCap), oldest(backlog.schedulesDue, 'overdue by'), backlog.schedulesDue.count > 0 ? 'warn' : 'ok', 'schedules'),
  );
}

function stat(label, value, detail, tone, key) {
  return h('div', { class: `stat stat-${tone}`, 'data-stat': key }, h('span', { class: 'stat-label' }, label), h('span', { class: 'stat-value' }, value), h('span', { class: 'stat-detail muted small' }, detail));
}

const formatLag = (ms) => (ms > 0 ? formatDuration(ms) : 'none');
const count = ({ count: n }, cap) => (n >= cap ? `${cap.toLocaleString('en-US')}+` : n.toLocaleString('en-US'));
const oldest = (figure, words) => (figure.oldestMs === undefined ? 'nothing waits' : `${words} ${formatDuration(figure.oldestMs)}`);

// ---- queues -------------------------------------------------------------------------------------

function queuesCard(queues, history) {
  return h(
    'section',
    { class: 'card table-card', 'aria-labelledby': 'queues-title' },
    h('div', { class: 'card-header pad' }, h('h2', { id: 'queues-title' }, 'Queues'), h('span', { class: 'muted small' }, 'Waiting grows while a queue\u2019s workers are stopped or too few.')),
    h(
      'table',
      { class: 'table' },
      h('thead', {}, h('tr', {}, ['Queue', 'Consumed by', 'Waiting', 'In flight', 'Oldest waiting', 'Oldest', 'Workers', 'Trend (waiting)'].map((t) => h('th', { scope: 'col' }, t)))),
      h(
        'tbody',
        {},
        queues.queues.map((q) =>
          h(
            'tr',
            { 'data-queue': q.name },
            h('td', { class: 'mono' }, q.name),
            h('td', {}, q.service),
            h('td', { class: 'num', 'data-field': 'waiting' }, q.waiting.toLocaleString('en-US')),
            h('td', { class: 'num', 'data-field': 'in-flight' }, q.inFlight.toLocaleString('en-US')),
            h('td', { class: 'num', 'data-field': 'oldest-waiting' }, q.oldestWaitingAgeMs === undefined ? '—' : formatDuration(q.oldestWaitingAgeMs)),
            h('td', { class: 'num' }, q.oldestAgeMs === undefined ? '—' : formatDuration(q.oldestAgeMs)),
            h('td', { 'data-field': 'workers' }, workersText(q)),
            h('td', {}, sparkline(history.get(q.name) ?? [], `${q.name} waiting, last readings`)),
          ),
        ),
      ),
    ),
  );
}

function workersText(queue) {
  const alive = `${queue.aliveConsumers} alive`;
  const gone = queue.goneConsumers + queue.consumers.filter((c) => !c.alive).length;
  return h('span', { class: queue.aliveConsumers === 0 ? 'text-bad' : '' }, alive, gone > 0 && h('span', { class: 'muted' }, ` · ${gone} gone`));
}

/** An SVG line of the last readings (no library; scaled to the largest). */
function sparkline(points, label) {
  const width = 120;
  const height = 28;
  if (points.length < 2) return h('span', { class: 'muted small' }, '…');
  const max = Math.max(1, ...points);
  // At least a minute wide, so that the first readings are not squeezed into a corner.
  const slots = Math.max(30, points.length);
  const x = (i) => (i * width) / (slots - 1);
  const y = (v) => height - 2 - (v / max) * (height - 4);
  const d = points.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  return s('svg', { class: 'sparkline', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': `${label}: ${points.join(', ')}` }, s('path', { d }));
}

// ---- workers ------------------------------------------------------------------------------------

function workersCard(queues, open) {
  const rows = queues.queues.flatMap((q) => q.consumers.map((c) => ({ queue: q, consumer: c })));
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'workers-title' },
    h('div', { class: 'card-header' }, h('h2', { id: 'workers-title' }, 'Workers'), h('span', { class: 'muted small' }, `alive = seen within ${formatDuration(queues.aliveWithinMs)}`)),
    rows.length === 0
      ? emptyState('No worker is consuming', 'Start the workflow-runner and the workers (or `npm start`), then they appear here.')
      : h('ul', { class: 'worker-list' }, rows.map(({ queue, consumer }) => workerItem(queue, consumer, open))),
  );
}

function workerItem(queue, consumer, open) {
  const key = `${queue.name} ${consumer.name}`;
  // Quiet: not seen for a while, yet within the alive window (busy with long tasks, or stopping).
  const state = !consumer.alive ? 'gone' : consumer.idleMs > QUIET_MS ? 'quiet' : 'alive';
  return h(
    'li',
    { class: 'worker', 'data-consumer': consumer.name, 'data-key': key },
    h(
      'details',
      { 'data-key': key, open: open.has(key) },
      h(
        'summary',
        {},
        h('span', { class: `badge badge-${BADGES[state]}`, 'data-state': state }, h('span', { class: 'dot', 'aria-hidden': 'true' }), state),
        h('span', { class: 'mono worker-name' }, consumer.name),
        h('span', { class: 'muted small' }, `${queue.service} · seen ${formatDuration(consumer.idleMs)} ago`),
        h('span', { class: 'worker-holding' }, consumer.pending === 1 ? '1 task in flight' : `${consumer.pending} tasks in flight`),
      ),
      consumer.held.length === 0
        ? h('p', { class: 'muted small' }, 'Holds nothing.')
        : h('div', { class: 'held' }, h('table', { class: 'table compact' }, h('thead', {}, h('tr', {}, ['Task', 'Run', 'Held for', 'In queue for', 'Deliveries'].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, consumer.held.map(heldRow)))),
    ),
  );
}

function heldRow(message) {
  const what = message.task ?? message.type ?? 'message';
  return h(
    'tr',
    {},
    h('td', {}, h('span', {}, what), message.reference && h('span', { class: 'muted small mono' }, ` ${message.reference}`)),
    h('td', {}, message.runId ? h('a', { href: `#/runs/${encodeURIComponent(message.runId)}`, title: runPath(message.runId) }, shortId(message.runId)) : '—'),
    h('td', { class: 'num' }, formatDuration(message.idleMs)),
    h('td', { class: 'num' }, formatDuration(message.ageMs)),
    h('td', { class: message.deliveries > 1 ? 'num text-warn' : 'num' }, String(message.deliveries)),
  );
}

// ---- attempts out with workers ------------------------------------------------------------------

function attemptsCard(backlog) {
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'attempts-title' },
    h('div', { class: 'card-header' }, h('h2', { id: 'attempts-title' }, 'Tasks out with workers'), h('span', { class: 'muted small' }, 'attempts dispatched and not finished, from PostgreSQL')),
    backlog.scheduledAttempts.length === 0
      ? h('p', { class: 'muted' }, 'None.')
      : h('dl', { class: 'facts' }, backlog.scheduledAttempts.map((a) => h('div', { 'data-kind': a.kind }, h('dt', {}, KIND_LABELS[a.kind] ?? a.kind), h('dd', {}, `${count(a, backlog.countCap)}`, h('span', { class: 'muted small' }, ` · oldest ${formatDuration(a.oldestMs ?? 0)}`))))),
  );
}
