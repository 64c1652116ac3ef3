// Micro-benchmark of one decision of the interpreter at the step budgets a run may be given
// (limits.stepsPerDecision): the decision's own time, and that time plus the JSON of its state
// and events (what the runtime serialises to store them). Median over the decisions of runs that
// yield again and again. Run: npx tsx bench/decide.ts
import { parse } from 'yaml';
import { compileWorkflow, decide } from '../packages/core/src/interpreter/index.ts';
import type { Decision, RunState, WorkflowDocument } from '../packages/core/src/interpreter/index.ts';

const header = `document: { dsl: '1.0.3', namespace: bench, name: decide, version: '0.1.0' }\n`;
const WORKFLOWS: Record<string, string> = {
  'set loop': `${header}do:\n  - a:\n      set: { x: 1 }\n      then: a\n`,
  'set loop, jq': `${header}do:\n  - a:\n      set: '\${ . + { n: ((.n // 0) + 1) } }'\n      then: a\n`,
  'for, 3-task body': `${header}do:
  - f:
      for: { in: '\${ [range(0; 100000)] }', each: i }
      do:
        - a: { set: { i: '\${ $i }' } }
        - b: { set: '\${ . + { twice: (.i * 2) } }' }
        - c: { switch: [ { odd: { when: '.i % 2 == 1', then: continue } }, { even: { then: continue } } ] }
`,
  'set loop, 10 KB context': `${header}do:
  - a:
      set: '\${ . + { n: ((.n // 0) + 1) } }'
      export: { as: '\${ { blob: ([range(0; 200)] | map({ k: ., v: "0123456789012345678901234567890123456789" })) } }' }
      then: a
`,
};
const BUDGETS = [250, 500, 1000, 2000];
const DECISIONS = 60;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Number(sorted[Math.floor(sorted.length / 2)]!.toFixed(3));
}

function measure(source: string, stepsPerDecision: number): { decide_ms: number; with_json_ms: number; events_per_decision: number } {
  const wf = compileWorkflow(parse(source) as WorkflowDocument);
  const env = { now: 0, runId: 'bench', limits: { stepsPerDecision, stepsPerRun: 1e9, eventsPerRun: 1e9, forIterations: 1e9 } };
  const decideMs: number[] = [];
  const totalMs: number[] = [];
  const events: number[] = [];
  let state: RunState | undefined;
  let next: Decision | undefined;
  for (let i = 0; i < DECISIONS; i++) {
    const continueId = next?.effects.find((e) => e.kind === 'continue');
    const start = process.hrtime.bigint();
    next = i === 0 ? decide(wf, undefined, { type: 'start', input: {} }, env) : decide(wf, state, { type: 'continue', id: (continueId as { id: string }).id }, env);
    const decided = process.hrtime.bigint();
    const stored = JSON.stringify(next.state).length + JSON.stringify(next.events).length;
    const serialised = process.hrtime.bigint();
    if (stored === 0 || next.state.status !== 'running') throw new Error(`the run stopped yielding: ${next.state.status}`);
    decideMs.push(Number(decided - start) / 1e6);
    totalMs.push(Number(serialised - start) / 1e6);
    events.push(next.events.length);
    state = next.state;
  }
  // The first decisions warm the JIT up.
  return { decide_ms: median(decideMs.slice(20)), with_json_ms: median(totalMs.slice(20)), events_per_decision: median(events) };
}

const results: Record<string, Record<number, ReturnType<typeof measure>>> = {};
for (const [name, source] of Object.entries(WORKFLOWS)) {
  results[name] = {};
  for (const budget of BUDGETS) results[name][budget] = measure(source, budget);
}
console.log(JSON.stringify(results, null, 2));
