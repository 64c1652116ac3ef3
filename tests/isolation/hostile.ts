// The hostile workflows of issue 12, rows 2–5, with the exact inputs of the issue, and the small
// workflow of the neighbouring namespace whose runs must keep completing meanwhile.
import { workflow } from './support.ts';

export const HOSTILE = 'tenant-a';
export const NEIGHBOUR = 'tenant-b';

/** Row 2: a workflow whose only task is `run: workflow` of itself. */
export const selfCall = workflow(HOSTILE, 'self', [{ again: { run: { workflow: { namespace: HOSTILE, name: 'self', version: '1.0.0' } } } }]);

/** Row 3: catastrophic backtracking on a backtracking engine (it held the process ~190 s). */
export const regex = workflow(HOSTILE, 'regex', [{ r: { set: { r: '${ ("a"*40+"!") | test("^(a+)+$") }' } } }]);

/** Row 4: three expressions that build huge values (10 s, 60 s and 4.4 s stalls before). */
export const hugeValues = {
  reduce: workflow(HOSTILE, 'reduce', [{ r: { set: { r: '${ reduce range(26) as $i ([1]; .+.) }' } } }]),
  repeat: workflow(HOSTILE, 'repeat', [{ r: { set: { r: '${ "x" * 5e7 }' } } }]),
  doubling: workflow(HOSTILE, 'doubling', [{ r: { set: { r: '${ reduce range(28) as $i ("x"; . + .) }' } } }]),
};

/** Row 5: an endless inline loop, and a `for` over 100,000 items. */
export const spin = workflow(HOSTILE, 'spin', [{ a: { set: { x: 1 }, then: 'a' } }]);
export const bigFor = workflow(HOSTILE, 'big-for', [{ many: { for: { each: 'i', in: '${ [range(0; 100000)] }' }, do: [{ s: { set: { x: '${ $i }' } } }] } }]);

export const HOSTILE_WORKFLOWS = [selfCall, regex, ...Object.values(hugeValues), spin, bigFor];

/** The neighbour's small run: two inline tasks on its input. */
export const small = workflow(NEIGHBOUR, 'small', [{ one: { set: { n: '${ .n }' } } }, { two: { set: { n: '${ .n }', next: '${ .n + 1 }' } } }]);

export const LIMIT_EXCEEDED = 'https://baton.dev/errors/limit-exceeded';
export const EXPRESSION_ERROR = 'https://serverlessworkflow.io/spec/1.0.0/errors/expression';
