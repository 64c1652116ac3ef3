// The run page's link to the run's trace in a trace UI (Jaeger, Tempo, …): shown when the
// deployment names one (BATON_TRACE_URL), from GET /api/v1/runs/{id}/trace — asked once per run.
import { api, runPath } from '../api.js';
import { h } from '../dom.js';

const traces = new Map();

/** A slot in the run's header, filled with "View trace" once the API says where the trace is. */
export function traceLink(run) {
  const slot = h('span', { class: 'trace-link' });
  let trace = traces.get(run.id);
  if (!trace) {
    trace = api('GET', `${runPath(run.id)}/trace`).catch(() => undefined);
    traces.set(run.id, trace);
  }
  void trace.then((found) => {
    if (!found?.url) return;
    slot.append(h('a', { class: 'button ghost', href: found.url, target: '_blank', rel: 'noopener noreferrer', title: `Trace ${found.traceId}`, 'data-trace': found.traceId }, 'View trace'));
  });
  return slot;
}
