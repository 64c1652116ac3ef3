// The Store port's approval records (see Store / RunnerTx in store.ts, docs/APPROVALS.md).
// Approvals (`call: approval:1.0.0@default`):
//   approval   one human approval step of a run; id = the attempt id (`${runId}:${effectId}`)
//   level      0 = the step's own approvers; 1… = its `escalation` entries, in order
//   approver   a user id / email, or a group `group:<name>` (one seat shared by its members)
//   decision   one per approver and approval (unique key), approve or reject

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'timed_out' | 'cancelled';

export interface ApprovalLevel {
  approvers: string[];
  /** Approvals needed at this level (≤ approvers.length). */
  quorum: number;
  timeoutMs?: number;
}

export interface ApprovalNotifyTarget {
  /** A URL, or a DeferredExpression resolved by the hitl-worker (webhook URLs are often secrets). */
  url: unknown;
  format: 'json' | 'slack';
}

/** The validated `with:` of an approval step. */
export interface ApprovalSpec {
  title: string;
  description?: string;
  levels: ApprovalLevel[];
  /** A JSON Schema for the data approvers fill in. */
  form?: Record<string, unknown>;
  onTimeout: 'reject' | 'approve' | 'escalate';
  onReject: 'fail' | 'continue';
  notify: ApprovalNotifyTarget[];
}

export interface NewApproval {
  id: string;
  runId: string;
  attemptId: string;
  namespace: string;
  workflowName: string;
  taskName: string;
  /** JSON pointer of the task in the definition. */
  reference: string;
  spec: ApprovalSpec;
  level: number;
  /** The current level's approvers (denormalised for the listing filter). */
  approvers: string[];
  /** Epoch ms of the current level's deadline. */
  deadlineAt?: number;
}

export interface ApprovalDecision {
  approvalId: string;
  approver: string;
  level: number;
  decision: 'approve' | 'reject';
  comment?: string;
  data?: unknown;
  /** How it was made: 'api' or 'link'. */
  via: 'api' | 'link';
  /** Who acted (an API key's name for 'api'). */
  actor?: string;
  decidedAt: string;
}

export interface ApprovalRecord extends NewApproval {
  status: ApprovalStatus;
  /** The task output once closed ({decision, by, comments, data, decidedAt}). */
  outcome?: Record<string, unknown>;
  /**
   * The runner message that resolves the attempt — with the audit entry that closed the approval
   * (`events`) — kept so that a lost one is sent again exactly as it was.
   */
  result?: unknown;
  decisions: ApprovalDecision[];
  createdAt: string;
  updatedAt: string;
  closedAt?: string;
}

export interface ApprovalUpdate {
  id: string;
  status: ApprovalStatus;
  level: number;
  approvers: string[];
  deadlineAt?: number;
  outcome?: Record<string, unknown>;
  result?: unknown;
}
