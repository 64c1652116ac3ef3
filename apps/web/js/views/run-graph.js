// The run page's Graph tab: the workflow definition drawn as a graph (graph-model.js, laid out by
// ELK in graph-layout.js) with the run's path on it — each task done, failed, running, waiting,
// cancelled or not reached, the edges the run took drawn bold. A click (or Enter) on a task opens
// its input, output, error and attempts beside the graph; a subflow opens into its definition and
// its child run's path.
import { api, runPath, workflowPath } from '../api.js';
import { h, mount, s } from '../dom.js';
import { buildGraph, expandSubflow } from '../graph-model.js';
import { layoutGraph } from '../graph-layout.js';
import { addProgress, createProgress, takenEdges, taskStatus } from '../progress.js';
import { errorState, loading } from '../ui.js';
import { STATUS_TEXT, statusChip, taskDetail } from './task-detail.js';

/** graphView({ run, progress }) → { node, update(run), destroy() } */
export function graphView(ctx) {
  const canvas = h('div', { class: 'graph-canvas' }, loading('Drawing the workflow…'));
  const detail = h('div', { class: 'graph-detail', hidden: true });
  const fit = h('button', { class: 'button ghost small', type: 'button', 'aria-pressed': 'false', onclick: () => toggleFit() }, 'Fit to width');
  const legend = h('ul', { class: 'legend', 'aria-label': 'Legend' }, Object.keys(STATUS_TEXT).map((status) => h('li', {}, statusChip(status))));
  const node = h('div', { class: 'graph-view' }, h('div', { class: 'graph-toolbar' }, legend, fit), h('div', { class: 'graph-body' }, canvas, detail));
  const state = { graph: undefined, layout: undefined, selected: undefined, subflows: new Map(), destroyed: false };

  const toggleFit = () => {
    const on = fit.getAttribute('aria-pressed') !== 'true';
    fit.setAttribute('aria-pressed', String(on));
    canvas.classList.toggle('fit', on);
  };

  const draw = async () => {
    try {
      const definition = await api('GET', workflowPath(ctx.run.namespace, ctx.run.name, ctx.run.version));
      state.graph = buildGraph(definition.document);
      for (const [nodeId, sub] of state.subflows) if (sub.document) expandSubflow(state.graph, nodeId, sub.document);
      state.layout = await layoutGraph(state.graph);
      if (state.destroyed) return;
      render();
    } catch (error) {
      mount(canvas, errorState(error));
    }
  };

  /** Where each node stands: the run's progress, or a subflow's child run's. */
  const statusOf = (n) => {
    const sub = subflowOf(n.id);
    const progress = sub ? sub.progress : ctx.progress;
    const runStatus = sub ? sub.run?.status : ctx.run.status;
    if (n.kind === 'start') return progress.workflow.startedAt ? 'done' : 'not-reached';
    if (n.kind === 'end') return progress.workflow.status === 'completed' ? 'done' : progress.workflow.status === 'faulted' ? 'failed' : 'not-reached';
    if (n.kind === 'group') return 'group';
    return taskStatus(progress.tasks.get(n.ref), n, runStatus);
  };
  const subflowOf = (id) => {
    const at = id.lastIndexOf('>');
    return at < 0 ? undefined : state.subflows.get(id.slice(0, at));
  };

  const render = () => {
    const { graph, layout } = state;
    const taken = new Set(takenEdges(graph, ctx.progress));
    for (const [nodeId, sub] of state.subflows) if (sub.progress) for (const e of takenEdges(graph, sub.progress, `${nodeId}>`)) taken.add(e);
    const edges = graph.edges.map((edge) => {
      const line = layout.edges.get(edge.id);
      if (!line || line.points.length < 2) return null;
      const d = line.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' ');
      return s(
        'g',
        { class: `edge kind-${edge.kind}${taken.has(edge.id) ? ' taken' : ''}`, 'data-from': edge.from, 'data-to': edge.to },
        s('path', { d, 'marker-end': taken.has(edge.id) ? 'url(#arrow-taken)' : 'url(#arrow)' }),
        line.label && s('text', { class: 'edge-label', x: line.label.x + 2, y: line.label.y + 12 }, line.label.text),
      );
    });
    // Containers first (behind), then leaves.
    const ordered = [...graph.nodes.values()].sort((a, b) => depth(graph, a) - depth(graph, b));
    const nodes = ordered.map((n) => nodeShape(n, layout.boxes.get(n.id), statusOf(n)));
    const svg = s(
      'svg',
      { class: 'graph', width: layout.width, height: layout.height, viewBox: `0 0 ${layout.width} ${layout.height}`, role: 'group', 'aria-label': `Workflow ${ctx.run.namespace}/${ctx.run.name} as a graph` },
      s('defs', {}, marker('arrow'), marker('arrow-taken')),
      nodes.filter((n) => n?.classList.contains('container')),
      edges,
      nodes.filter((n) => n && !n.classList.contains('container')),
    );
    mount(canvas, svg);
    if (state.selected) showDetail(state.selected, false);
  };

  const nodeShape = (n, box, status) => {
    if (!box) return null;
    const clickable = n.kind !== 'group' && n.kind !== 'start' && n.kind !== 'end';
    const props = {
      class: `gnode kind-${n.kind} status-${status}${n.container ? ' container' : ''}${state.selected === n.id ? ' selected' : ''}`,
      'data-ref': n.ref,
      'data-id': n.id,
      'data-status': status,
      transform: `translate(${box.x},${box.y})`,
    };
    if (clickable) {
      Object.assign(props, {
        role: 'button',
        tabindex: '0',
        'aria-label': `${n.name}: ${STATUS_TEXT[status] ?? status}`,
        onclick: (event) => {
          event.stopPropagation();
          showDetail(n.id, true);
        },
        onkeydown: (event) => {
          if (event.key !== 'Enter' && event.key !== ' ') return;
          event.preventDefault();
          showDetail(n.id, true);
        },
      });
    }
    const attempts = ctx.progress.tasks.get(n.ref)?.executions.length ?? 0;
    const children = [s('rect', { class: 'shape', width: box.width, height: box.height, rx: n.kind === 'start' || n.kind === 'end' ? box.height / 2 : 8 })];
    if (n.kind === 'start' || n.kind === 'end') children.push(s('text', { class: 'name', x: box.width / 2, y: 19, 'text-anchor': 'middle' }, n.name));
    else if (n.container) {
      children.push(s('text', { class: 'name', x: 10, y: 17 }, n.name), s('text', { class: 'summary', x: 10, y: 31 }, n.summary));
    } else {
      children.push(s('text', { class: 'name', x: 10, y: 21 }, n.name), s('text', { class: 'summary', x: 10, y: 38 }, n.summary));
      if (attempts > 1 && !subflowOf(n.id)) children.push(s('text', { class: 'count', x: box.width - 8, y: 21, 'text-anchor': 'end' }, `×${attempts}`));
    }
    const shape = s('g', props, ...children);
    if (n.subflow) shape.append(subflowToggle(n, box));
    return shape;
  };

  const subflowToggle = (n, box) => {
    const open = state.subflows.has(n.id);
    const label = `${open ? 'Collapse' : 'Expand'} subflow ${n.name}`;
    const toggle = () => void (open ? collapse(n.id) : expand(n));
    return s(
      'g',
      { class: 'subflow-toggle', role: 'button', tabindex: '0', 'aria-label': label, 'aria-expanded': String(open), transform: `translate(${box.width - 24},4)`, onclick: (e) => (e.stopPropagation(), toggle()), onkeydown: (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), toggle()) },
      s('title', {}, label),
      s('rect', { width: 20, height: 20, rx: 4 }),
      s('text', { x: 10, y: 15, 'text-anchor': 'middle' }, open ? '−' : '+'),
    );
  };

  const expand = async (n) => {
    const sub = { document: undefined, run: undefined, progress: createProgress() };
    try {
      const { namespace, name, version } = n.subflow;
      sub.document = (await api('GET', workflowPath(namespace, name, version))).document;
      const parent = subflowOf(n.id);
      sub.run = await childRunOf(parent ? parent.run : ctx.run, parent ? parent.progress : ctx.progress, n);
      if (sub.run) addProgress(sub.progress, await allEvents(sub.run.id));
    } catch (error) {
      mount(detail, errorState(error));
      detail.hidden = false;
      return;
    }
    state.subflows.set(n.id, sub);
    await draw();
  };
  const collapse = async (id) => {
    for (const key of [...state.subflows.keys()]) if (key === id || key.startsWith(`${id}>`)) state.subflows.delete(key);
    await draw();
  };

  const showDetail = (id, focus) => {
    const n = state.graph?.nodes.get(id);
    if (!n) return;
    state.selected = id;
    for (const el of canvas.querySelectorAll('.gnode.selected')) el.classList.remove('selected');
    canvas.querySelector(`.gnode[data-id="${cssEscape(id)}"]`)?.classList.add('selected');
    const sub = subflowOf(id);
    const progress = sub ? sub.progress : ctx.progress;
    const run = sub ? sub.run ?? { status: 'pending', input: undefined } : ctx.run;
    mount(detail, taskDetail({ node: n, progress, run, onClose: closeDetail }));
    detail.hidden = false;
    if (focus) detail.querySelector('h2')?.scrollIntoView({ block: 'nearest' });
  };
  const closeDetail = () => {
    const id = state.selected;
    state.selected = undefined;
    detail.hidden = true;
    canvas.querySelector('.gnode.selected')?.classList.remove('selected');
    if (id) canvas.querySelector(`.gnode[data-id="${cssEscape(id)}"]`)?.focus();
  };

  void draw();
  return {
    node,
    /** New events or a new run record: statuses and the path change, the layout does not. */
    update() {
      if (state.graph && state.layout) render();
    },
    destroy() {
      state.destroyed = true;
    },
  };
}

function depth(graph, n) {
  let d = 0;
  for (let p = n.parent; p; p = graph.nodes.get(p)?.parent) d += 1;
  return d;
}

function marker(id) {
  return s('marker', { id, viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z' }));
}

function cssEscape(text) {
  return text.replace(/["\\]/g, '\\$&');
}

/** The child run a subflow task started: the runs whose parent is this run, of that workflow, in the order the task ran. */
async function childRunOf(parentRun, parentProgress, n) {
  if (!parentRun) return undefined;
  const page = await api('GET', '/api/v1/runs', { query: { parentRunId: parentRun.id, limit: 100 } });
  const children = page.items.filter((r) => r.namespace === n.subflow.namespace && r.name === n.subflow.name).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  const executions = parentProgress.tasks.get(n.ref)?.executions.length ?? 0;
  return executions > 0 ? children[Math.min(executions, children.length) - 1] : undefined;
}

async function allEvents(runId) {
  const events = [];
  for (let after = 0; ; ) {
    const page = await api('GET', `${runPath(runId)}/events`, { query: { after, limit: 1000 } });
    events.push(...page.items);
    if (page.items.length < 1000) return events;
    after = page.nextAfter;
  }
}
