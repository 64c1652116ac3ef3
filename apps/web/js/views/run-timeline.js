// The run page's Timeline tab: a Gantt chart of the run's tasks (gantt.js) — one row per task,
// indented under the task that holds it, one bar per execution from its start to its end; a fork's
// branches overlap in time, a retry's wait and a task's queueing show as their own segments, and
// wait, listen and approval tasks as waiting. A click on a bar opens the task's details.
import { h, mount } from '../dom.js';
import { formatDuration, formatTimestamp } from '../format.js';
import { axisPercent, axisTicks, ganttOf } from '../gantt.js';
import { emptyState } from '../ui.js';
import { taskDetail } from './task-detail.js';

const BAR_TEXT = { run: '', queued: 'queued', retry: 'waiting to retry' };

/** timelineView({ run, progress, graphModel() }) → { node, update(), destroy() } */
export function timelineView(ctx) {
  const chart = h('div', { class: 'gantt', role: 'group', 'aria-label': 'Tasks on a time axis' });
  const detail = h('div', { class: 'gantt-detail', hidden: true });
  const node = h('div', { class: 'timeline-view' }, h('p', { class: 'muted small gantt-help' }, 'One bar per execution of a task, from its start to its end. Hatched: waiting (a wait, a listen, an approval, a retry delay); pale: created but not started yet; outlined: replayed by a reset (not executed again).'), chart, detail);
  let kinds = new Map();
  let selected;

  const render = () => {
    const gantt = ganttOf(ctx.progress, { kinds });
    if (gantt.rows.length === 0) return mount(chart, emptyState('No task has run yet'));
    const ticks = axisTicks(gantt).map((t) => {
      const tick = h('span', { class: 'tick' }, `+${formatDuration(t)}`);
      tick.style.left = `${axisPercent(gantt, gantt.t0 + t)}%`;
      return tick;
    });
    const rows = gantt.rows.map((row) => {
      const label = h('div', { class: 'gantt-label', title: row.ref }, h('span', { class: 'name' }, row.name), row.attempts > 1 && h('span', { class: 'muted small' }, ` ×${row.attempts}`));
      label.style.paddingLeft = `${0.5 + row.depth * 0.9}rem`;
      const bars = row.bars.map((bar) => {
        const text = `${row.name}${BAR_TEXT[bar.kind] ? ` ${BAR_TEXT[bar.kind]}` : ''} · attempt ${bar.attempt} · ${bar.outcome}${bar.replayed ? ' (replayed)' : ''} · ${formatDuration(bar.end - bar.start)}${bar.open ? ' so far' : ''} · from ${formatTimestamp(new Date(bar.start).toISOString())}`;
        const el = h(
          'button',
          {
            type: 'button',
            class: `gantt-bar kind-${bar.kind} outcome-${bar.outcome}${bar.wait ? ' is-wait' : ''}${bar.open ? ' open' : ''}${bar.replayed ? ' replayed' : ''}`,
            'data-start': new Date(bar.start).toISOString(),
            'data-end': new Date(bar.end).toISOString(),
            'data-attempt': bar.attempt,
            'data-kind': bar.kind,
            title: text,
            'aria-label': text,
            onclick: () => showDetail(row.ref),
          },
        );
        el.style.left = `${axisPercent(gantt, bar.start)}%`;
        el.style.width = `${Math.max(0, axisPercent(gantt, bar.end) - axisPercent(gantt, bar.start))}%`;
        return el;
      });
      return h('li', { class: `gantt-row${selected === row.ref ? ' selected' : ''}`, 'data-ref': row.ref }, label, h('div', { class: 'gantt-track' }, bars));
    });
    const start = new Date(gantt.t0).toISOString();
    mount(
      chart,
      h('div', { class: 'gantt-axis' }, h('div', { class: 'gantt-label muted small' }, h('time', { datetime: start, title: formatTimestamp(start) }, `${formatDuration(gantt.t1 - gantt.t0)} in all`)), h('div', { class: 'gantt-track', 'data-t0': start, 'data-t1': new Date(gantt.t1).toISOString() }, ticks)),
      h('ol', { class: 'gantt-rows' }, rows),
    );
  };

  const showDetail = (ref) => {
    selected = ref;
    for (const row of chart.querySelectorAll('.gantt-row')) row.classList.toggle('selected', row.dataset.ref === ref);
    const model = kinds.get(ref);
    const task = ctx.progress.tasks.get(ref);
    const node = { ref, name: task?.name ?? ref.split('/').pop(), kind: model?.kind ?? 'task', summary: model?.summary ?? '' };
    mount(detail, taskDetail({ node, progress: ctx.progress, run: ctx.run, onClose: () => ((detail.hidden = true), (selected = undefined), render()) }));
    detail.hidden = false;
    detail.scrollIntoView({ block: 'nearest' });
  };

  ctx.graphModel().then(
    (graph) => {
      kinds = new Map([...graph.nodes.values()].map((n) => [n.ref, { kind: n.kind, summary: n.summary }]));
      render();
    },
    () => render(),
  );
  render();
  return {
    node,
    update: render,
    /** Open bars grow with time. */
    tick: () => [...ctx.progress.tasks.values()].some((t) => t.executions.at(-1)?.endSeq === undefined) && render(),
  };
}
