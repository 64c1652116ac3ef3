import { describe, expect, it } from 'vitest';
import { loadWorkflow, validateWorkflow } from './index.ts';

const header = { dsl: '1.0.3', namespace: 'test', name: 'limits', version: '0.1.0' };
const workflow = (tasks: unknown[]) => ({ document: header, do: tasks });
const fork = (count: number) => ({ fork: { branches: Array.from({ length: count }, (_, i) => ({ [`b${i}`]: { set: { i } } })) } });

describe('validateWorkflow: limits the document shows', () => {
  it('refuses a fork with more branches than forkBranches (64 by default), wherever it is', () => {
    expect(validateWorkflow(workflow([{ wide: fork(64) }]))).toEqual([]);
    const problems = validateWorkflow(workflow([{ ok: fork(2) }, { outer: { do: [{ wide: fork(65) }] } }]));
    expect(problems).toEqual([{ path: '/do/1/outer/do/0/wide/fork/branches', message: expect.stringMatching(/^this fork has 65 branches, more than the 64 a fork may have \(the limit forkBranches, which an operator can raise with BATON_LIMITS\)/) }]);
  });

  it('uses the limits of the namespace when given, and points at the source line', () => {
    expect(validateWorkflow(workflow([{ f: fork(3) }]), { limits: { forkBranches: 2 } }).map((p) => p.path)).toEqual(['/do/0/f/fork/branches']);
    expect(validateWorkflow(workflow([{ f: fork(100) }]), { limits: { forkBranches: 100 } })).toEqual([]);
    const text = `document: { dsl: '1.0.3', namespace: test, name: limits, version: '0.1.0' }
do:
  - f:
      fork:
        branches:
          - a: { set: { a: 1 } }
          - b: { set: { b: 1 } }
`;
    expect(loadWorkflow(text, undefined, { limits: { forkBranches: 1 } })).toMatchObject({ ok: false, problems: [{ path: '/do/0/f/fork/branches', line: 5 }] });
  });

  it('does not refuse a workflow that runs itself: whether it stops is known only at run time (the depth limit stops it)', () => {
    expect(validateWorkflow(workflow([{ again: { run: { workflow: { namespace: 'test', name: 'limits', version: '0.1.0' } } } }]))).toEqual([]);
  });
});
