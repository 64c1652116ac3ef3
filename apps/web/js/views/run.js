// One run: its header (workflow, status, input, output or error, times, usage) and its event log
// as a live timeline (fanout WebSocket, or polling when the fanout is out of reach).
/* global window, setInterval, clearInterval */
import { api, runPath } from '../api.js';
import { h, mount } from '../dom.js';
import { formatDuration, formatTimestamp, formatUsage, isTerminal, problemText, runDuration } from '../format.js';
import { followRun } from '../feed.js';
import { addEvents, createTimeline, errorText } from '../timeline.js';
import { errorState, facts, jsonBlock, loading, statusBadge, toast } from '../ui.js';
import { timelineEntry, updateTokens } from './timeline-view.js';

const MODE_TEXT = {
  connecting: 'Connecting…',
  live: 'Live',
  polling: 'Live (polling)',
  finished: 'Finished',
  stopped: 'Stopped',
};

export function renderRun(root, id) {
  const header = h('section', { class: 'card run-header', 'aria-label': 'Run' }, loading());
  const feedStatus = h('span', { class: 'feed-status', role: 'status', 'aria-live': 'polite' });
  const list = h('ol', { class: 'timeline', 'aria-label': 'Events' });
  const entryNodes = new Map();
  const timeline = createTimeline();
  let run;
  let stopFeed;

  const refreshRun = async () => {
    try {
      run = await api('GET', runPath(id));
      mount(header, runHeader(run, cancel));
    } catch (error) {
      mount(header, errorState(error));
    }
  };
  const cancel = async () => {
    if (!window.confirm(`Cancel run ${id}?`)) return;
    try {
      run = await api('POST', `${runPath(id)}/cancel`, { body: { reason: 'cancelled from the dashboard' } });
      toast('Cancellation requested');
      mount(header, runHeader(run, cancel));
    } catch (error) {
      toast(problemText(error.problem), 'bad');
    }
  };

  const onEvents = (events) => {
    const { added, grown } = addEvents(timeline, events);
    for (const entry of added) {
      const node = timelineEntry(entry, id);
      entryNodes.set(entry, node);
      list.append(node);
    }
    for (const entry of grown) updateTokens(entryNodes.get(entry), entry);
    // The header shows what the events announce (status, output) once the run row has it.
    if (added.some((e) => e.kind === 'workflow' || e.kind === 'approval')) void refreshRun();
  };

  mount(
    root,
    h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/runs' }, 'Runs'), ' / ', h('span', { class: 'mono' }, id)),
    header,
    h('section', { class: 'card', 'aria-labelledby': 'events-title' }, h('div', { class: 'card-header' }, h('h2', { id: 'events-title' }, 'Events'), feedStatus), list),
  );

  void refreshRun().then(() => {
    if (!run) return;
    stopFeed = followRun(id, 0, {
      onEvents,
      isDone: () => timeline.terminal !== undefined,
      onMode: (mode, reason) => {
        feedStatus.className = `feed-status feed-${mode}`;
        feedStatus.textContent = MODE_TEXT[mode] ?? mode;
        feedStatus.title = reason ?? '';
      },
      onError: (error) => toast(problemText(error.problem ?? error), 'bad'),
    });
  });
  // Durations of a running run move on even when no event arrives (only that text changes, so
  // the focus stays where it is).
  const ticker = setInterval(() => {
    const duration = header.querySelector('[data-duration]');
    if (run && duration && !isTerminal(run.status)) duration.textContent = formatDuration(runDuration(run));
  }, 1000);
  return () => {
    clearInterval(ticker);
    stopFeed?.();
  };
}

function runHeader(run, cancel) {
  const terminal = isTerminal(run.status);
  const usage = run.usage && Object.keys(run.usage).length > 0 ? run.usage : undefined;
  return [
    h(
      'div',
      { class: 'run-title' },
      h('div', {}, h('h1', { tabindex: '-1' }, `${run.namespace}/${run.name}`, h('span', { class: 'version' }, run.version)), h('p', { class: 'mono muted small' }, run.id)),
      h('div', { class: 'actions' }, statusBadge(run.status), !terminal && h('button', { class: 'button danger', onclick: () => void cancel() }, 'Cancel run')),
    ),
    facts([
      ['Created', formatTimestamp(run.createdAt)],
      ['Started', run.startedAt && formatTimestamp(run.startedAt)],
      ['Ended', run.endedAt && formatTimestamp(run.endedAt)],
      ['Duration', h('span', { 'data-duration': true }, formatDuration(runDuration(run)))],
      ['Idempotency key', run.idempotencyKey],
      ['Parent run', run.parentRunId && h('a', { href: `#/runs/${encodeURIComponent(run.parentRunId)}`, class: 'mono' }, run.parentRunId)],
    ]),
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
