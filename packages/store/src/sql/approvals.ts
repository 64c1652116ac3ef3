// approvals and approval_decisions (migration 0004): human approval steps and their decisions.
import type { ApprovalDecision, ApprovalRecord, ApprovalSpec, ApprovalStatus, ApprovalUpdate, NewApproval, Page } from '@baton/core';
import type { Queryable, Row } from '../db/types.ts';
import { clampLimit, decodeCursor, encodeCursor, fromJson, iso, isoOrUndefined, jsonParam, textOrUndefined, withOptional } from './values.ts';

const COLUMNS = 'id, run_id, attempt_id, namespace, workflow_name, task_name, reference, spec, status, level, approvers, deadline_at, outcome, result, created_at, updated_at, closed_at';
const DECISION_COLUMNS = 'approval_id, approver, level, decision, comment, data, via, actor, decided_at';
const now = `date_trunc('milliseconds', now())`;

function toApproval(row: Row, decisions: ApprovalDecision[]): ApprovalRecord {
  const approval: ApprovalRecord = {
    id: row.id as string,
    runId: row.run_id as string,
    attemptId: row.attempt_id as string,
    namespace: row.namespace as string,
    workflowName: row.workflow_name as string,
    taskName: row.task_name as string,
    reference: row.reference as string,
    spec: fromJson(row.spec) as ApprovalSpec,
    status: row.status as ApprovalStatus,
    level: Number(row.level),
    approvers: row.approvers as string[],
    decisions,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
  const deadline = isoOrUndefined(row.deadline_at);
  withOptional(approval, 'deadlineAt', deadline === undefined ? undefined : Date.parse(deadline));
  withOptional(approval, 'outcome', fromJson(row.outcome) as Record<string, unknown> | undefined);
  withOptional(approval, 'result', fromJson(row.result));
  withOptional(approval, 'closedAt', isoOrUndefined(row.closed_at));
  return approval;
}

function toDecision(row: Row): ApprovalDecision {
  const decision: ApprovalDecision = {
    approvalId: row.approval_id as string,
    approver: row.approver as string,
    level: Number(row.level),
    decision: row.decision as 'approve' | 'reject',
    via: row.via as 'api' | 'link',
    decidedAt: iso(row.decided_at),
  };
  withOptional(decision, 'comment', textOrUndefined(row.comment));
  withOptional(decision, 'data', fromJson(row.data));
  withOptional(decision, 'actor', textOrUndefined(row.actor));
  return decision;
}

/** Rows → records, with their decisions (one query for all of them), in decision order. */
async function withDecisions(db: Queryable, rows: Row[]): Promise<ApprovalRecord[]> {
  if (rows.length === 0) return [];
  const decisions = await db.query(`SELECT ${DECISION_COLUMNS} FROM approval_decisions WHERE approval_id = ANY($1::text[]) ORDER BY decided_at, approver`, [rows.map((r) => r.id)]);
  const byApproval = new Map<string, ApprovalDecision[]>();
  for (const row of decisions) {
    const decision = toDecision(row);
    const list = byApproval.get(decision.approvalId);
    if (list) list.push(decision);
    else byApproval.set(decision.approvalId, [decision]);
  }
  return rows.map((row) => toApproval(row, byApproval.get(row.id as string) ?? []));
}

const toTimestamp = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export async function insertApprovals(db: Queryable, approvals: readonly NewApproval[]): Promise<void> {
  for (const a of approvals) {
    await db.write(
      `INSERT INTO approvals (id, run_id, attempt_id, namespace, workflow_name, task_name, reference, spec, level, approvers, deadline_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::json, $9, $10::text[], $11::timestamptz)
       ON CONFLICT (id) DO NOTHING`,
      [a.id, a.runId, a.attemptId, a.namespace, a.workflowName, a.taskName, a.reference, JSON.stringify(a.spec), a.level, a.approvers, toTimestamp(a.deadlineAt)],
    );
  }
}

export async function lockApproval(db: Queryable, id: string): Promise<ApprovalRecord | undefined> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM approvals WHERE id = $1 FOR UPDATE`, [id]);
  return (await withDecisions(db, rows))[0];
}

export async function updateApproval(db: Queryable, u: ApprovalUpdate): Promise<void> {
  const closing = u.status !== 'pending';
  await db.write(
    `UPDATE approvals SET status = $2, level = $3, approvers = $4::text[], deadline_at = $5::timestamptz,
       outcome = $6::text::json, result = $7::text::json, updated_at = ${now},
       closed_at = CASE WHEN $8 THEN COALESCE(closed_at, ${now}) ELSE NULL END
     WHERE id = $1`,
    [u.id, u.status, u.level, u.approvers, toTimestamp(u.deadlineAt), jsonParam(u.outcome), jsonParam(u.result), closing],
  );
}

export async function insertApprovalDecision(db: Queryable, d: ApprovalDecision): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO approval_decisions (${DECISION_COLUMNS})
     VALUES ($1, $2, $3, $4, $5, $6::text::json, $7, $8, $9::timestamptz)
     ON CONFLICT (approval_id, approver) DO NOTHING RETURNING approver`,
    [d.approvalId, d.approver, d.level, d.decision, d.comment ?? null, jsonParam(d.data), d.via, d.actor ?? null, d.decidedAt],
  );
  return rows.length === 1;
}

/** Approvals of attempts that were cancelled (run cancelled, task timed out, fork lost). */
export async function cancelApprovalsOfAttempts(db: Queryable, attemptIds: readonly string[]): Promise<void> {
  if (attemptIds.length === 0) return;
  await db.write(
    `UPDATE approvals SET status = 'cancelled', deadline_at = NULL, updated_at = ${now}, closed_at = ${now}
     WHERE attempt_id = ANY($1::text[]) AND status = 'pending'`,
    [attemptIds],
  );
}

export async function getApproval(db: Queryable, id: string): Promise<ApprovalRecord | undefined> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM approvals WHERE id = $1`, [id]);
  return (await withDecisions(db, rows))[0];
}

export async function listApprovals(
  db: Queryable,
  query: { status?: ApprovalStatus; approver?: string; namespace?: string; runId?: string; limit: number; cursor?: string },
): Promise<Page<ApprovalRecord>> {
  const limit = clampLimit(query.limit);
  const params: unknown[] = [];
  const where: string[] = [];
  if (query.status !== undefined) where.push(`status = $${params.push(query.status)}`);
  if (query.approver !== undefined) where.push(`approvers @> ARRAY[$${params.push(query.approver)}::text]`);
  if (query.namespace !== undefined) where.push(`namespace = $${params.push(query.namespace)}`);
  if (query.runId !== undefined) where.push(`run_id = $${params.push(query.runId)}`);
  if (query.cursor !== undefined) {
    const [createdAt, id] = decodeCursor('approvals', query.cursor, ['timestamp', 'string']) as [string, string];
    where.push(`(created_at, id) < ($${params.push(createdAt)}::timestamptz, $${params.push(id)})`);
  }
  const rows = await db.query(
    `SELECT ${COLUMNS} FROM approvals ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY created_at DESC, id DESC LIMIT $${params.push(limit + 1)}`,
    params,
  );
  const items = await withDecisions(db, rows.slice(0, limit));
  const last = items[items.length - 1];
  return rows.length > limit && last ? { items, nextCursor: encodeCursor('approvals', [last.createdAt, last.id]) } : { items };
}

export async function overdueApprovals(db: Queryable, nowMs: number, graceMs: number, limit: number): Promise<ApprovalRecord[]> {
  const rows = await db.query(
    `SELECT ${COLUMNS} FROM approvals
     WHERE status = 'pending' AND deadline_at IS NOT NULL AND deadline_at <= $1::timestamptz
     ORDER BY deadline_at LIMIT $2`,
    [new Date(nowMs - graceMs).toISOString(), clampLimit(limit)],
  );
  return withDecisions(db, rows);
}

/**
 * Closed in the last day (the window keeps the sweep's cost flat as approvals accumulate; a
 * result lost while every runner was down for longer than that needs the approval re-decided).
 */
export async function unresolvedApprovals(db: Queryable, olderThanMs: number, limit: number): Promise<ApprovalRecord[]> {
  const rows = await db.query(
    `SELECT ${COLUMNS.split(', ').map((c) => `a.${c}`).join(', ')} FROM approvals a JOIN task_attempts t ON t.id = a.attempt_id
     WHERE a.status <> 'pending' AND a.status <> 'cancelled' AND a.result IS NOT NULL AND t.status = 'scheduled'
       AND a.closed_at <= now() - $1::float8 * interval '1 millisecond' AND a.closed_at > now() - interval '1 day'
     ORDER BY a.closed_at LIMIT $2`,
    [olderThanMs, clampLimit(limit)],
  );
  return withDecisions(db, rows);
}

/**
 * Pending approvals created before `before` whose current level was never handled by a hitl-worker
 * (no `requested`/`notified` audit event for it in the run's log), after `afterId`, by id: after a
 * transport loss their notices are sent again.
 */
export async function unnotifiedApprovals(db: Queryable, before: string, afterId: string, limit: number): Promise<ApprovalRecord[]> {
  const rows = await db.query(
    `SELECT ${COLUMNS} FROM approvals a
     WHERE a.status = 'pending' AND a.updated_at < $1::timestamptz AND a.id > $2
       AND NOT EXISTS (SELECT 1 FROM run_events e
                       WHERE e.run_id = a.run_id
                         AND e.type IN ('dev.baton.approval.requested.v1', 'dev.baton.approval.notified.v1')
                         AND e.data ->> 'approvalId' = a.id AND e.data ->> 'level' = a.level::text)
     ORDER BY a.id LIMIT $3`,
    [before, afterId, clampLimit(limit)],
  );
  return withDecisions(db, rows);
}
