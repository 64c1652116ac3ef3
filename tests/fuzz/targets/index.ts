// The targets of the fuzz, by name (FUZZ_TARGETS picks some).
import type { Target } from '../lane.ts';
import { jqApiTarget, JQ_NS } from './jq-api.ts';
import { jqTarget } from './jq.ts';
import { restTarget } from './rest.ts';
import { sseTarget, websocketTarget } from './stream.ts';
import { workflowsTarget } from './workflows.ts';
import { WF_NS } from '../gen/documents.ts';

export const TARGET_NAMES = ['rest', 'workflows', 'jq', 'jq-api', 'websocket', 'sse'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/** Namespaces whose runs only the fuzz starts (checked for stuck runs at the end). */
export const FUZZ_NAMESPACES = [WF_NS, JQ_NS];

export function buildTargets(names: readonly TargetName[], context: { openapi: unknown; seed: number }): Target<unknown>[] {
  const all: Partial<Record<TargetName, () => Target<any>>> = {
    rest: () => restTarget(context.openapi),
    jq: () => jqTarget(),
    workflows: () => workflowsTarget(),
    'jq-api': () => jqApiTarget(),
    websocket: () => websocketTarget(),
    sse: () => sseTarget(),
  };
  return names.map((name) => {
    const make = all[name];
    if (!make) throw new Error(`no such fuzz target: ${name}`);
    return make();
  });
}
