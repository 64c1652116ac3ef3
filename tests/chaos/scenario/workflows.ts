// The chaos workload: the workflows it registers, which one each run uses, and what each run must
// end with — computed from its input alone ({k, n}: k names the run's paths at the HTTP target,
// n its numbers). Every task instance of a run calls its own path /t/<k>/<step>, so the target's
// log tells per task how often it was called and under which Idempotency-Keys.
// No workflow loops or retries: a task reference occurs once per run, so two task.completed
// events for one reference in one run are always a duplicate.

export const NAMESPACE = 'chaos';
export const APPROVER = 'ops@chaos.example';
/** Approvals of the cancel-approval kind name an approver the harness never decides for. */
export const ABSENT_APPROVER = 'nobody@chaos.example';
export const SIGNAL_TYPE = 'dev.baton.chaos.signal';

export type RunKind = 'pipeline' | 'timer' | 'listener' | 'parent' | 'approval' | 'cancel-sub' | 'cancel-approval' | 'cancel-listen';

/** What a run must end as: its status, its output, and its child's (when it has one). */
export interface Expected {
  status: 'completed' | 'cancelled';
  output?: unknown;
  /** The child run's status and output (`run: workflow` kinds). */
  child?: { status: 'completed' | 'cancelled'; output?: unknown };
  /** The approval's final status (approval kinds). */
  approval?: 'approved' | 'rejected' | 'cancelled';
}

// 20 slots: 5 pipelines, 3 each of timer/listener/parent/approval, one of each cancel kind (15 % cancels).
const MIX: RunKind[] = [
  'pipeline', 'timer', 'listener', 'parent', 'approval', 'pipeline', 'cancel-sub', 'timer', 'listener', 'parent',
  'approval', 'pipeline', 'cancel-approval', 'timer', 'listener', 'parent', 'approval', 'pipeline', 'cancel-listen', 'pipeline',
];

export function kindOf(n: number): RunKind {
  return MIX[n % MIX.length]!;
}

export function keyOf(n: number): string {
  return `r${n}`;
}

/** The approval decision the harness makes for run n (approval kind): alternate per round of MIX. */
export function decisionFor(n: number): 'approve' | 'reject' {
  return Math.floor(n / MIX.length) % 2 === 0 ? 'approve' : 'reject';
}

/** The value carried by the event the harness posts to run n (listener kind). */
export function signalValue(n: number): number {
  return 7 * n;
}

export function expectedOf(n: number): Expected {
  const k = keyOf(n);
  switch (kindOf(n)) {
    case 'pipeline':
      return { status: 'completed', output: { k, v: 4 * n } };
    case 'timer':
      return { status: 'completed', output: { k, v: n + 1 } };
    case 'listener':
      return { status: 'completed', output: { k, v: signalValue(n) + n } };
    case 'parent':
      return { status: 'completed', output: { k, v: 5 * n + 1 }, child: { status: 'completed', output: { v: 5 * n } } };
    case 'approval': {
      const decision = decisionFor(n) === 'approve' ? 'approved' : 'rejected';
      return { status: 'completed', output: { k, decision, by: [APPROVER] }, approval: decision };
    }
    case 'cancel-sub':
      return { status: 'cancelled', child: { status: 'cancelled' } };
    case 'cancel-approval':
      return { status: 'cancelled', approval: 'cancelled' };
    case 'cancel-listen':
      return { status: 'cancelled' };
  }
}

/** Workflow name per kind (cancel kinds have workflows of their own). */
export const WORKFLOW_OF: Record<RunKind, string> = {
  pipeline: 'pipeline',
  timer: 'timer',
  listener: 'listener',
  parent: 'parent',
  approval: 'approval',
  'cancel-sub': 'cancel-sub',
  'cancel-approval': 'cancel-approval',
  'cancel-listen': 'cancel-listen',
};

/** The workflow documents, children first (a parent's registration does not need them, its runs do). */
export function workflowDocuments(target: string): object[] {
  const doc = (name: string, tasks: object[]) => ({ document: { dsl: '1.0.0', namespace: NAMESPACE, name, version: '1.0.0' }, do: tasks });
  // POST <target>/t/<k>/<step> with body {x}; the task's output is the echoed x.
  const post = (step: string, x: string) => ({
    call: 'http',
    with: { method: 'post', endpoint: '${ "' + target + '/t/" + $workflow.input.k + "/' + step + '" }', body: { x } },
    output: { as: '${ .body.x }' },
  });
  const finish = (v: string) => ({ finish: { set: { k: '${ $workflow.input.k }', v } } });
  const sub = (name: string) => ({ run: { workflow: { namespace: NAMESPACE, name, version: '1.0.0', input: { k: '${ $workflow.input.k }', n: '${ $workflow.input.n }' } } } });
  const approval = (approver: string) => ({ call: 'approval:1.0.0@default', with: { title: '${ "chaos " + $workflow.input.k }', approvers: [approver], onReject: 'continue' } });
  const listen = (type: string) => ({ listen: { to: { one: { with: { type, subject: '${ $workflow.input.k }' } } } } });
  return [
    doc('child', [{ c: { ...post('c', '${ $workflow.input.n * 5 }'), output: { as: '${ { v: .body.x } }' } } }]),
    doc('sleeper', [{ s: post('s', '${ $workflow.input.n }') }, { nap: { wait: { hours: 1 } } }]),
    // a → b carries a's output: v = n + 3n.
    doc('pipeline', [{ a: post('a', '${ $workflow.input.n }') }, { b: post('b', '${ . + $workflow.input.n * 3 }') }, finish('${ . }')]),
    // The wait passes its input through: v = n + 1.
    doc('timer', [{ a: post('a', '${ $workflow.input.n }') }, { nap: { wait: { seconds: 1 } } }, { b: post('b', '${ . + 1 }') }, finish('${ . }')]),
    doc('listener', [{ a: post('a', '${ $workflow.input.n }') }, { hear: listen(SIGNAL_TYPE) }, finish('${ .[0].v + $workflow.input.n }')]),
    doc('parent', [{ a: post('a', '${ $workflow.input.n }') }, { sub: sub('child') }, finish('${ .v + 1 }')]),
    doc('approval', [{ a: post('a', '${ $workflow.input.n }') }, { review: approval(APPROVER) }, { finish: { set: { k: '${ $workflow.input.k }', decision: '${ .decision }', by: '${ .by }' } } }]),
    doc('cancel-sub', [{ a: post('a', '${ $workflow.input.n }') }, { sub: sub('sleeper') }, finish('${ . }')]),
    doc('cancel-approval', [{ a: post('a', '${ $workflow.input.n }') }, { review: approval(ABSENT_APPROVER) }, finish('${ . }')]),
    doc('cancel-listen', [{ a: post('a', '${ $workflow.input.n }') }, { hear: listen('dev.baton.chaos.never') }, finish('${ . }')]),
  ];
}
