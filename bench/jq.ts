// Micro-benchmark of jq evaluation: Baton's TypeScript engine vs the real jq (jq-wasm called
// in-process, and through the worker thread the fallback uses). Prints JSON: µs per evaluation,
// median of BATCHES batches. Run: npx tsx bench/jq.ts
import { loadJq } from 'jq-wasm';
import { compileJqNative, DEFAULT_MAX_VALUE_BYTES } from '../packages/core/src/jq/index.ts';
import { runWasm } from '../packages/core/src/jq/wasm-fallback.ts';

const INPUT = {
  a: { b: 42 },
  y: 'why',
  name: 'Ada',
  items: Array.from({ length: 10 }, (_, i) => ({ id: `i${i}`, ok: i % 2 === 0, price: i * 1.5 })),
};

const CASES: Record<string, { filter: string; input: unknown }> = {
  '.a.b': { filter: '.a.b', input: INPUT },
  '{x: .y}': { filter: '{x: .y}', input: INPUT },
  'map(select(.ok))': { filter: 'map(select(.ok))', input: INPUT.items },
  '"Hello \\(.name)"': { filter: '"Hello \\(.name)"', input: INPUT },
  '.items | length > 0': { filter: '.items | length > 0', input: INPUT },
};

function medianMicros(fn: () => void, iterations: number, batches = 15): number {
  for (let i = 0; i < iterations; i++) fn(); // warm up
  const perCall: number[] = [];
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    perCall.push(Number(process.hrtime.bigint() - start) / 1000 / iterations);
  }
  perCall.sort((x, y) => x - y);
  return Number(perCall[Math.floor(perCall.length / 2)]!.toFixed(3));
}

const jq = await loadJq();
const results: Record<string, { baton_us: number; jq_wasm_us: number; fallback_worker_us: number; speedup: number }> = {};
for (const [name, { filter, input }] of Object.entries(CASES)) {
  const program = compileJqNative(filter);
  const expected = JSON.stringify(jq.json(input as object, filter, []));
  if (JSON.stringify(program.all(input)) !== expected) throw new Error(`engines disagree on ${filter}`);
  const baton = medianMicros(() => program.all(input), 20_000);
  const wasm = medianMicros(() => jq.json(input as object, filter, []), 200);
  // The fallback path as production uses it: jq-wasm in the worker thread, waited for synchronously.
  const fallback = medianMicros(() => runWasm(filter, input, undefined, { timeoutMs: 5000, maxValueBytes: DEFAULT_MAX_VALUE_BYTES }), 100, 5);
  results[name] = { baton_us: baton, jq_wasm_us: wasm, fallback_worker_us: fallback, speedup: Math.round(wasm / baton) };
}
console.log(JSON.stringify({ unit: 'µs per evaluation (median)', node: process.version, results }, null, 2));
