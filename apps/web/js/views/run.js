// One run: its header (workflow, status, the actions of run-actions.js, input, output or error,
// times, usage) and tabs over its event log — Events (the log as a live list), Graph (the
// definition with the run's path) and Timeline (tasks on a time axis). The log is read once and
// followed live (fanout WebSocket, or polling when the fanout is out of reach); every tab draws
// from the same state, and switching tabs (#/runs/ID/graph) keeps it.
/* global window, setInterval, clearInterval, setTimeout, clearTimeout */
import { api, runPath, workflowPath } from '../api.js';
import { h, mount } from '../dom.js';
import { formatDuration, formatTimestamp, formatUsage, isTerminal, problemText, runDuration } from '../format.js';
import { concurrencyText, queueInfo, queueText } from '../run-ops.js';
import { followRun } from '../feed.js';
import { buildGraph } from '../graph-model.js';
import { addProgress, createProgress } from '../progress.js';
import { addEvents, createTimeline, errorText } from '../timeline.js';
import { errorState, facts, jsonBlock, loading, statusBadge, toast } from '../ui.js';
import { openActionDialog } from './run-action-dialog.js';
import { RUN_ACTIONS } from './run-actions.js';
import { relatedRuns } from './run-lineage.js';
import { traceLink } from './run-trace.js';
import { runTrigger } from './run-trigger.js';
import { graphView } from './run-graph.js';
import { timelineEntry, updateTokens } from './timeline-view.js';
import { timelineView } from './run-timeline.js';

const MODE_TEXT = {
  connecting: 'Connecting…',
  live: 'Live',
  polling: 'Live (polling)',
  finished: 'Finished',
  stopped: 'Stopped',
};

/** The tabs of the run page: `#/runs/ID/<id>` (the first is `#/runs/ID`). */
export const RUN_TABS = [
  { id: 'events', label: 'Events', view: eventsView },
  { id: 'graph', label: 'Graph', view: graphView },
  { id: 'timeline', label: 'Timeline', view: timelineView },
];

/** renderRun(root, id, tab) → { leave(), reroute(parts) }: a new tab of the same run is drawn without reloading it. */
export function renderRun(root, id, tabId) {
  const header = h('section', { class: 'card run-header', 'aria-label': 'Run' }, loading());
  const feedStatus = h('span', { class: 'feed-status', role: 'status', 'aria-live': 'polite' });
  const tabs = h('nav', { class: 'tabs', 'aria-label': 'Run views' });
  const panel = h('section', { class: 'card run-panel', 'aria-labelledby': 'run-tab-title' });
  let definition;
  const ctx = {
    run: undefined,
    timeline: createTimeline(),
    progress: createProgress(),
    /** The definition as a graph model (fetched once). */
    graphModel: () => (definition ??= api('GET', workflowPath(ctx.run.namespace, ctx.run.name, ctx.run.version)).then((d) => buildGraph(d.document))),
  };
  let view;
  let tab;
  let stopFeed;
  let statusWatch;
  const related = relatedRuns(id);

  const drawHeader = () => mount(header, runHeader(ctx.run, act, related.node));
  const refreshRun = async () => {
    try {
      ctx.run = await api('GET', runPath(id));
      drawHeader();
      view?.update?.();
    } catch (error) {
      mount(header, errorState(error));
    }
  };
  /** After a suspend or resume (applied by a runner moments later): read the run until its status moves. */
  const watchStatus = (before, tries = 20) => {
    clearTimeout(statusWatch);
    statusWatch = setTimeout(async () => {
      await refreshRun();
      if (ctx.run?.status === before && tries > 1) watchStatus(before, tries - 1);
    }, 500);
  };
  const finish = (action, result) => {
    toast(action.done(1, result), 'ok');
    if (action.opensRun && result?.id) {
      window.location.hash = `#/runs/${encodeURIComponent(result.id)}`;
      return;
    }
    const before = ctx.run.status;
    ctx.run = result ?? ctx.run;
    drawHeader();
    if (action.watchStatus) watchStatus(before);
  };
  const act = async (action) => {
    if (action.form) return void openActionDialog(action, ctx, (result) => finish(action, result));
    if (!window.confirm(action.confirm([ctx.run]))) return;
    try {
      ctx.run = (await action.perform(ctx.run)) ?? ctx.run;
      toast(action.done(1));
      drawHeader();
    } catch (error) {
      toast(problemText(error.problem ?? error), 'bad');
    }
  };

  const showTab = (wanted) => {
    const next = RUN_TABS.find((t) => t.id === wanted) ?? RUN_TABS[0];
    if (next === tab && view) return;
    tab = next;
    view?.destroy?.();
    view = undefined;
    mount(tabs, RUN_TABS.map((t) => h('a', { href: `#/runs/${encodeURIComponent(id)}${t === RUN_TABS[0] ? '' : `/${t.id}`}`, class: 'tab', 'aria-current': t === tab ? 'page' : undefined, 'data-tab': t.id }, t.label)));
    if (!ctx.run) return mount(panel, loading());
    view = tab.view(ctx);
    mount(panel, h('div', { class: 'card-header' }, h('h2', { id: 'run-tab-title' }, tab.label), feedStatus), view.node);
  };

  const onEvents = (events) => {
    const { added, grown } = addEvents(ctx.timeline, events);
    addProgress(ctx.progress, events);
    view?.onEvents?.(added, grown);
    view?.update?.();
    // The header shows what the events announce (status, output) once the run row has it.
    if (added.some((e) => e.kind === 'workflow' || e.kind === 'approval')) void refreshRun();
  };

  mount(root, h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/runs' }, 'Runs'), ' / ', h('span', { class: 'mono' }, id)), header, tabs, panel);
  showTab(tabId);

  void refreshRun().then(() => {
    if (!ctx.run) return;
    void related.load();
    showTab(tab?.id);
    stopFeed = followRun(id, 0, {
      onEvents,
      isDone: () => ctx.timeline.terminal !== undefined,
      onMode: (mode, reason) => {
        feedStatus.className = `feed-status feed-${mode}`;
        feedStatus.textContent = MODE_TEXT[mode] ?? mode;
        feedStatus.title = reason ?? '';
      },
      onError: (error) => toast(problemText(error.problem ?? error), 'bad'),
    });
  });
  // Durations of a running run move on even when no event arrives (only that text changes, so
  // the focus stays where it is); open bars of the timeline grow.
  const ticker = setInterval(() => {
    const duration = header.querySelector('[data-duration]');
    if (!ctx.run || isTerminal(ctx.run.status)) return;
    if (duration) duration.textContent = formatDuration(runDuration(ctx.run));
    view?.tick?.();
  }, 1000);
  return {
    leave() {
      clearInterval(ticker);
      clearTimeout(statusWatch);
      view?.destroy?.();
      stopFeed?.();
    },
    reroute(parts) {
      if (parts[0] !== 'runs' || parts[1] !== id) return false;
      showTab(parts[2]);
      return true;
    },
  };
}

/** The Events tab: the log as a list, token events of an agent turn folded into one text area. */
function eventsView(ctx) {
  const list = h('ol', { class: 'timeline', 'aria-label': 'Events' });
  const entryNodes = new Map();
  const add = (entry) => {
    const node = timelineEntry(entry, ctx.run.id);
    entryNodes.set(entry, node);
    list.append(node);
  };
  ctx.timeline.entries.forEach(add);
  return {
    node: list,
    onEvents(added, grown) {
      added.forEach(add);
      for (const entry of grown) updateTokens(entryNodes.get(entry), entry);
    },
  };
}

function runHeader(run, act, related) {
  const terminal = isTerminal(run.status);
  const usage = run.usage && Object.keys(run.usage).length > 0 ? run.usage : undefined;
  const actions = RUN_ACTIONS.filter((a) => a.applies(run)).map((a) => h('button', { class: `button ${a.tone ?? ''}`, 'data-action': a.id, 'aria-haspopup': a.form ? 'dialog' : undefined, onclick: () => void act(a) }, a.label));
  const queued = queueInfo(run);
  return [
    h(
      'div',
      { class: 'run-title' },
      h('div', {}, h('h1', { tabindex: '-1' }, `${run.namespace}/${run.name}`, h('span', { class: 'version' }, run.version)), h('p', { class: 'mono muted small' }, run.id)),
      h('div', { class: 'actions run-actions' }, statusBadge(run.status), queued && h('span', { class: 'chip queued', 'data-queued': queued.key ?? '' }, queueText(queued)), actions, traceLink(run)),
    ),
    facts([
      ['Created', formatTimestamp(run.createdAt)],
      ['Started by', runTrigger(run)],
      ['Started', run.startedAt && formatTimestamp(run.startedAt)],
      ['Ended', run.endedAt && formatTimestamp(run.endedAt)],
      ['Duration', h('span', { 'data-duration': true }, formatDuration(runDuration(run)))],
      ['Idempotency key', run.idempotencyKey],
      ['Concurrency', concurrencyText(run)],
      ['Priority', run.priority],
      ['Parent run', run.parentRunId && h('a', { href: `#/runs/${encodeURIComponent(run.parentRunId)}`, class: 'mono' }, run.parentRunId)],
    ]),
    related,
    usage && h('div', { class: 'usage' }, h('h2', {}, 'Usage'), facts(Object.entries(usage).map(([k, v]) => [k, formatUsage(k, v)]))),
    h(
      'div',
      { class: 'io' },
      h('div', {}, h('h2', {}, 'Input'), jsonBlock(run.input, 'Input')),
      run.error
        ? h('div', { class: 'run-error', role: 'alert' }, h('h2', {}, 'Error'), h('p', { class: 'error-line' }, errorText(run.error)), jsonBlock(run.error, 'Error'))
        : h('div', {}, h('h2', {}, 'Output'), run.output !== undefined ? jsonBlock(run.output, 'Output') : h('p', { class: 'muted' }, terminal ? 'No output.' : 'Not finished yet.')),
    ),
  ];
}
