// The graph model (graph-model.js) laid out by ELK (elkjs, npm, served as /ui/vendor/elk.js — never
// from a CDN): layered, top to bottom, containers holding their tasks, orthogonal edges. Returns
// absolute boxes for nodes and polylines for edges; drawing is the view's (views/run-graph.js).
/* global window, document */

const LEAF = { height: 50, minWidth: 132, maxWidth: 250 };
const CHAR = 7.1;
const HEADER = 40;

let loading;

/** window.ELK, loaded once by a script element (the file is a UMD bundle, not an ES module). */
export function loadElk(src = '/ui/vendor/elk.js') {
  if (window.ELK) return Promise.resolve(window.ELK);
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = () => (window.ELK ? resolve(window.ELK) : reject(new Error(`${src} did not define ELK`)));
    script.onerror = () => {
      loading = undefined;
      reject(new Error(`the graph layout library (${src}) could not be loaded`));
    };
    document.head.append(script);
  });
  return loading;
}

/** Width of a leaf from its longest line (the name in bold, the summary in small text). */
export function leafWidth(node) {
  const chars = Math.max(node.name.length * 1.1 + 3, node.summary.length * 0.9);
  return Math.round(Math.min(LEAF.maxWidth, Math.max(LEAF.minWidth, chars * CHAR + 28)));
}

/** The ELK graph of a model (pure: exported for tests). */
export function elkGraph(graph) {
  const toElk = (id) => {
    const node = graph.nodes.get(id);
    if (node.container) {
      const lanes = node.kind === 'fork';
      return {
        id,
        layoutOptions: {
          'elk.padding': `[top=${HEADER},left=14,bottom=14,right=14]`,
          'elk.direction': 'DOWN',
          ...(lanes && { 'elk.layered.spacing.nodeNodeBetweenLayers': '20', 'elk.spacing.nodeNode': '28' }),
        },
        width: Math.max(120, leafWidth(node)),
        height: 60,
        children: node.children.map(toElk),
      };
    }
    if (node.kind === 'start' || node.kind === 'end') return { id, width: 64, height: 30 };
    return { id, width: leafWidth(node), height: LEAF.height };
  };
  return {
    id: '@root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': '34',
      'elk.spacing.nodeNode': '26',
      'elk.spacing.edgeLabel': '4',
      'elk.edgeLabels.placement': 'CENTER',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.json.shapeCoords': 'ROOT',
      'elk.json.edgeCoords': 'ROOT',
      'elk.padding': '[top=12,left=12,bottom=12,right=12]',
    },
    children: graph.roots.map(toElk),
    edges: graph.edges.map((e) => ({
      id: e.id,
      sources: [e.from],
      targets: [e.to],
      ...(e.label && { labels: [{ text: e.label, width: Math.round(e.label.length * 6.2 + 8), height: 16 }] }),
    })),
  };
}

/**
 * layoutGraph(graph) → { width, height, boxes: Map<id, {x, y, width, height}>, edges: Map<id, {points, label?}> }
 */
export async function layoutGraph(graph, ELK) {
  const elk = new (ELK ?? (await loadElk()))();
  const laid = await elk.layout(elkGraph(graph));
  const boxes = new Map();
  const visit = (n) => {
    for (const child of n.children ?? []) {
      boxes.set(child.id, { x: child.x, y: child.y, width: child.width, height: child.height });
      visit(child);
    }
  };
  visit(laid);
  const edges = new Map();
  const collect = (n) => {
    for (const edge of n.edges ?? []) {
      const points = (edge.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]);
      const label = edge.labels?.[0];
      edges.set(edge.id, { points, ...(label && { label: { x: label.x, y: label.y, width: label.width, height: label.height, text: label.text } }) });
    }
    for (const child of n.children ?? []) collect(child);
  };
  collect(laid);
  return { width: laid.width, height: laid.height, boxes, edges };
}
