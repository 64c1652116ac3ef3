// A workflow definition as a graph (pure, no DOM): one node per task, keyed by its reference (the
// JSON pointer the task events carry: /do/1/pick, /do/3/par/fork/branches/0/a), containers for the
// tasks that hold tasks (do, for, fork — one lane per branch —, try with its try and catch groups),
// and edges for the flow: the next task, `then` jumps, `switch` cases, catch. A `run: workflow`
// task is a subflow node that a person may expand (its definition drawn inside). Unit-tested in
// tests/web/run-model.test.ts.

const KINDS = ['switch', 'for', 'fork', 'try', 'do', 'call', 'run', 'set', 'wait', 'raise', 'emit', 'listen'];

/** The type of a task definition: its one type key (`for` before `do`: a for task holds both). */
export function taskKind(def) {
  if (!def || typeof def !== 'object') return 'unknown';
  return KINDS.find((k) => Object.hasOwn(def, k)) ?? 'unknown';
}

/** The entries of a task list ([{ name: def }, …]) as [name, def]. */
function entries(list) {
  return Array.isArray(list) ? list.flatMap((item) => (item && typeof item === 'object' ? Object.entries(item).slice(0, 1) : [])) : [];
}

const short = (text, max = 42) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function durationText(value) {
  if (typeof value === 'string') return value;
  if (!value || typeof value !== 'object') return '';
  const units = { days: 'd', hours: 'h', minutes: 'min', seconds: 's', milliseconds: 'ms' };
  return Object.entries(units).filter(([k]) => value[k] !== undefined).map(([k, u]) => `${value[k]} ${u}`).join(' ');
}

/** One line under a task's name: what it does. */
export function taskSummary(kind, def) {
  switch (kind) {
    case 'call': {
      const target = String(def.call);
      if (target === 'http') {
        const endpoint = def.with?.endpoint;
        const uri = typeof endpoint === 'string' ? endpoint : endpoint?.uri ?? '';
        return short(`${String(def.with?.method ?? 'get').toUpperCase()} ${uri}`);
      }
      if (target.startsWith('agent:')) return 'agent';
      if (target.startsWith('approval:')) return 'approval';
      return short(`call ${target}`);
    }
    case 'run': {
      const wf = def.run?.workflow;
      return wf ? short(`workflow ${wf.namespace}/${wf.name}${wf.version ? `@${wf.version}` : ''}`) : 'run';
    }
    case 'wait':
      return short(`wait ${durationText(def.wait)}`);
    case 'set':
      return short(`set ${Object.keys(def.set ?? {}).join(', ')}`);
    case 'raise':
      return short(`raise ${def.raise?.error?.title ?? String(def.raise?.error?.type ?? def.raise?.error ?? '').split('/').pop()}`);
    case 'emit':
      return short(`emit ${def.emit?.event?.with?.type ?? ''}`);
    case 'for':
      return short(`for each ${def.for?.each ?? 'item'} in ${def.for?.in ?? ''}`);
    case 'fork':
      return def.fork?.compete ? 'fork · first branch wins' : 'fork · all branches';
    case 'try': {
      const retry = def.catch?.retry;
      const count = typeof retry === 'object' ? retry?.limit?.attempt?.count : undefined;
      return count ? `try · retry up to ${count} attempts` : 'try';
    }
    default:
      return kind;
  }
}

/**
 * buildGraph(document, prefix) → { nodes: Map<id, node>, roots: id[], edges: edge[] }
 * node: { id, ref, name, kind, summary, parent?, children: id[], container, lane?, subflow? }
 * edge: { id, from, to, label?, kind: 'next' | 'case' | 'catch' | 'end' }
 * `prefix` keeps the ids of a subflow's graph apart from its parent's (ref stays the child's own).
 */
export function buildGraph(document, prefix = '') {
  const nodes = new Map();
  const edges = [];
  const start = `${prefix}@start`;
  const end = `${prefix}@end`;
  const edgeKeys = new Map();
  const addEdge = (from, to, kind, label) => {
    const key = `${from}→${to}`;
    const existing = edgeKeys.get(key);
    if (existing) {
      if (label && !existing.label?.split(' · ').includes(label)) existing.label = existing.label ? `${existing.label} · ${label}` : label;
      return;
    }
    const edge = { id: `${prefix}e${edges.length}`, from, to, kind, ...(label && { label }) };
    edgeKeys.set(key, edge);
    edges.push(edge);
  };
  const addNode = (node) => {
    nodes.set(node.id, { children: [], container: false, ...node });
    if (node.parent) nodes.get(node.parent).children.push(node.id);
    return nodes.get(node.id);
  };

  /** A task list at `listRef`; returns the id of its first task (or undefined when empty). */
  const addList = (list, listRef, parent, exitTo) => {
    const items = entries(list);
    const ids = items.map(([name], i) => `${prefix}${listRef}/${i}/${name}`);
    const byName = new Map(items.map(([name], i) => [name, ids[i]]));
    items.forEach(([name, def], i) => addTask(name, def, `${listRef}/${i}/${name}`, parent));
    const target = (directive, i) => {
      if (directive === 'end') return [end, 'end'];
      if (directive === 'exit') return exitTo ? [exitTo, 'next'] : undefined;
      if (typeof directive === 'string' && directive !== 'continue') return byName.has(directive) ? [byName.get(directive), 'next'] : undefined;
      return i + 1 < ids.length ? [ids[i + 1], 'next'] : exitTo ? [exitTo, 'next'] : undefined;
    };
    items.forEach(([, def], i) => {
      const from = ids[i];
      if (taskKind(def) === 'switch') {
        const cases = entries(def.switch);
        for (const [caseName, c] of cases) {
          const to = target(c?.then ?? 'continue', i);
          if (to) addEdge(from, to[0], 'case', caseName);
        }
        if (!cases.some(([, c]) => c && c.when === undefined)) {
          const to = target('continue', i);
          if (to) addEdge(from, to[0], 'case', 'no match');
        }
        return;
      }
      const to = target(def?.then ?? 'continue', i);
      if (to) addEdge(from, to[0], to[1], def?.then && def.then !== 'continue' ? `then: ${def.then}` : undefined);
    });
    return ids[0];
  };

  const addTask = (name, def, ref, parent) => {
    const kind = taskKind(def);
    const node = addNode({ id: `${prefix}${ref}`, ref, name, kind, summary: taskSummary(kind, def), parent });
    if (kind === 'do' || kind === 'for') {
      node.container = true;
      addList(def.do, `${ref}/do`, node.id);
    } else if (kind === 'fork') {
      node.container = true;
      entries(def.fork?.branches).forEach(([branch, branchDef], i) => {
        addTask(branch, branchDef, `${ref}/fork/branches/${i}/${branch}`, node.id);
        nodes.get(`${prefix}${ref}/fork/branches/${i}/${branch}`).lane = i;
      });
    } else if (kind === 'try') {
      node.container = true;
      const tryGroup = addNode({ id: `${prefix}${ref}/try`, ref: `${ref}/try`, name: 'try', kind: 'group', summary: '', parent: node.id, container: true, group: true });
      addList(def.try, `${ref}/try`, tryGroup.id);
      if (def.catch) {
        const errors = def.catch.errors?.with;
        const label = errors ? `on error ${Object.entries(errors).map(([k, v]) => `${k} ${String(v).split('/').pop()}`).join(', ')}` : 'on error';
        if (Array.isArray(def.catch.do) && def.catch.do.length > 0) {
          const catchGroup = addNode({ id: `${prefix}${ref}/catch`, ref: `${ref}/catch`, name: 'catch', kind: 'group', summary: '', parent: node.id, container: true, group: true });
          addList(def.catch.do, `${ref}/catch/do`, catchGroup.id);
          addEdge(tryGroup.id, catchGroup.id, 'catch', label);
        } else {
          tryGroup.summary = `${label}: caught`;
        }
      }
    } else if (kind === 'run' && def.run?.workflow) {
      const wf = def.run.workflow;
      node.subflow = { namespace: wf.namespace, name: wf.name, version: wf.version };
    }
    return node;
  };

  addNode({ id: start, ref: '@start', name: 'Start', kind: 'start', summary: '' });
  const first = addList(document?.do, '/do', undefined, end);
  addNode({ id: end, ref: '@end', name: 'End', kind: 'end', summary: '' });
  addEdge(start, first ?? end, 'next');
  const roots = [...nodes.values()].filter((n) => !n.parent).map((n) => n.id);
  return { nodes, roots, edges };
}

/** The subflow's graph inside its node: the node becomes a container of the child's nodes. */
export function expandSubflow(graph, nodeId, childDocument) {
  const node = graph.nodes.get(nodeId);
  if (!node?.subflow) return graph;
  const child = buildGraph(childDocument, `${nodeId}>`);
  for (const [id, n] of child.nodes) graph.nodes.set(id, n.parent ? n : { ...n, parent: nodeId });
  node.children = [...child.roots];
  node.container = true;
  node.expanded = true;
  graph.edges.push(...child.edges);
  return graph;
}
