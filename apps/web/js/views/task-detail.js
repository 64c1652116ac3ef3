// One task of a run, side by side: the input it received, its output, its error and its attempts
// (every execution: when, how long, how it ended). Opened from a node of the run graph or a bar of
// the timeline.
import { h } from '../dom.js';
import { formatDuration, formatTimestamp } from '../format.js';
import { inputOf, taskStatus } from '../progress.js';
import { errorText } from '../timeline.js';
import { jsonBlock } from '../ui.js';

export const STATUS_TEXT = { done: 'done', failed: 'failed', running: 'running', waiting: 'waiting', cancelled: 'cancelled', 'not-reached': 'not reached' };

export function statusChip(status) {
  return h('span', { class: `chip status-${status}` }, h('span', { class: 'dot', 'aria-hidden': 'true' }), STATUS_TEXT[status] ?? status);
}

/** The panel of one task: `node` from the graph model (or a bare { ref, name }), its progress, the run. */
export function taskDetail({ node, progress, run, onClose }) {
  const task = progress.tasks.get(node.ref);
  const status = taskStatus(task, node, run.status);
  const executions = task?.executions ?? [];
  const last = executions.at(-1);
  const input = last ? inputOf(progress, node.ref, last.createdSeq, run.input) : undefined;
  const column = (title, ...body) => h('section', { class: 'detail-column', 'aria-label': title }, h('h3', {}, title), ...body);
  const none = (text) => h('p', { class: 'muted small' }, text);
  return h(
    'div',
    { class: 'task-detail', role: 'region', 'aria-label': `Task ${node.name}` },
    h(
      'div',
      { class: 'detail-head' },
      h('div', {}, h('h2', { class: 'detail-title' }, node.name, ' ', statusChip(status)), h('p', { class: 'mono muted small' }, node.ref, node.summary && node.summary !== node.kind ? ` · ${node.summary}` : '')),
      onClose && h('button', { class: 'button ghost', type: 'button', onclick: onClose, 'aria-label': 'Close task details' }, '✕'),
    ),
    !task
      ? none('Not reached in this run.')
      : h(
          'div',
          { class: 'detail-columns' },
          column('Input', input?.value !== undefined ? [jsonBlock(input.value, 'Task input'), h('p', { class: 'muted small' }, input.from === 'run input' ? 'The run\'s input' : `The output of ${input.from.split('/').pop()}`, ' (before the task\'s own input.from)')] : none('Not known from the events.')),
          column('Output', last?.outcome === 'completed' ? jsonBlock(last.output, 'Task output') : none(last?.outcome === 'running' ? 'Not finished yet.' : 'No output.')),
          column('Error', lastError(executions) ? [h('p', { class: 'error-line' }, errorText(lastError(executions))), jsonBlock(lastError(executions), 'Task error')] : none('No error.')),
          column('Attempts', attemptList(task)),
        ),
  );
}

function lastError(executions) {
  return [...executions].reverse().find((e) => e.error)?.error;
}

function attemptList(task) {
  const now = Date.now();
  const items = task.executions.map((ex, i) => {
    const start = Date.parse(ex.startedAt ?? ex.createdAt);
    const end = ex.endedAt ? Date.parse(ex.endedAt) : now;
    const outcome = { completed: 'completed', faulted: 'failed', cancelled: 'cancelled', running: 'running', created: 'created' }[ex.outcome] ?? ex.outcome;
    return h(
      'li',
      { class: `attempt outcome-${ex.outcome}`, 'data-attempt': i + 1 },
      h('strong', {}, `#${i + 1} ${outcome}`),
      h('span', { class: 'muted small' }, ` · ${formatDuration(end - start)}`),
      ex.replayed && [' ', h('span', { class: 'chip replayed', title: 'replayed by a reset from the run it reset: recorded there, not executed again' }, 'replayed')],
      h('br'),
      h('time', { datetime: ex.startedAt ?? ex.createdAt, class: 'mono small' }, formatTimestamp(ex.startedAt ?? ex.createdAt)),
      ex.error && h('p', { class: 'error-line small' }, errorText(ex.error)),
    );
  });
  const retries = task.retries.map((r, i) => h('li', { class: 'attempt retry' }, h('strong', {}, `retry ${i + 1}`), h('br'), h('time', { datetime: r.at, class: 'mono small' }, formatTimestamp(r.at))));
  return h('ol', { class: 'attempts' }, items, retries);
}
