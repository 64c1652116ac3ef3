// A run's relatives through the operator actions: the run it reruns or resets ("Rerun of RUN",
// "Reset of RUN from POINTER", shown as what started it) and, on the original's page, the runs
// started from it (GET /api/v1/runs?rerunOf=ID and ?resetOf=ID).
import { api } from '../api.js';
import { h, mount } from '../dom.js';
import { shortId } from '../format.js';
import { derivedRuns, fromText, originOf } from '../run-ops.js';
import { statusBadge, timeAgo } from '../ui.js';

const runHref = (id) => `#/runs/${encodeURIComponent(id)}`;

/** "Rerun of RUN" / "Reset of RUN from POINTER" with a link to RUN, or undefined. */
export function originNode(run) {
  const origin = originOf(run);
  if (!origin) return undefined;
  return h(
    'span',
    { class: 'run-trigger run-origin', 'data-trigger': origin.kind },
    origin.kind === 'reset' ? 'Reset of ' : 'Rerun of ',
    h('a', { href: runHref(origin.runId), class: 'mono' }, origin.runId),
    origin.from && [' from ', h('code', {}, fromText(origin.from))],
  );
}

/**
 * The reruns and resets of a run: { node, load() }. The node stays empty (hidden) while there are
 * none. A server that does not know a filter answers 400, or ignores it and lists other runs:
 * both lists are read and only runs whose record names this run are kept.
 */
export function relatedRuns(runId) {
  const node = h('section', { class: 'related-runs', 'aria-label': 'Reruns and resets', hidden: true });
  const load = async () => {
    const lists = await Promise.allSettled(['rerunOf', 'resetOf'].map((filter) => api('GET', '/api/v1/runs', { query: { [filter]: runId, limit: 50 } })));
    const items = derivedRuns(runId, lists.flatMap((l) => (l.status === 'fulfilled' && Array.isArray(l.value?.items) ? l.value.items : [])));
    node.hidden = items.length === 0;
    if (items.length === 0) return mount(node);
    mount(
      node,
      h('h2', {}, `Reruns and resets (${items.length})`),
      h(
        'ul',
        { class: 'related-list' },
        items.map((run) => {
          const origin = originOf(run);
          return h(
            'li',
            { 'data-run': run.id, 'data-kind': origin.kind },
            statusBadge(run.status),
            h('span', { class: 'strong' }, origin.kind === 'reset' ? 'reset' : 'rerun'),
            origin.from && h('span', { class: 'muted' }, 'from ', h('code', {}, fromText(origin.from))),
            h('a', { href: runHref(run.id), class: 'mono', title: run.id }, shortId(run.id)),
            run.version && h('span', { class: 'muted small' }, run.version),
            timeAgo(run.createdAt),
          );
        }),
      ),
    );
  };
  return { node, load };
}
