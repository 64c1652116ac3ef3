// What started a run, for the run page's facts: "API", "schedule ns/name at TICK" (a manual
// trigger marked) and "event ID from SOURCE, by schedule ns/name" linking to the schedule,
// "run: workflow of PARENT" linking to the parent run, "Rerun of RUN" and "Reset of RUN from
// POINTER" linking to the run rerun or reset (run-lineage.js).
import { h } from '../dom.js';
import { triggerSummary } from '../schedule-format.js';
import { originNode } from './run-lineage.js';

/** The run's trigger as a node, or undefined when the run records none. */
export function runTrigger(run) {
  const origin = originNode(run);
  if (origin) return origin;
  const summary = triggerSummary(run);
  if (!summary) return undefined;
  return h(
    'span',
    { class: 'run-trigger', 'data-trigger': summary.kind },
    summary.parts.map((part) => (typeof part === 'string' ? part : h('a', { href: part.href, class: part.mono ? 'mono' : undefined }, part.text))),
    summary.manual && h('span', { class: 'chip sched-manual', title: 'started with Trigger now' }, 'manual trigger'),
  );
}
