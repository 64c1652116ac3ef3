// Notifications of an approval level: one webhook POST per `notify` target, JSON (Baton's shape)
// or Slack-compatible (incoming-webhook `text` + `blocks`), each carrying one signed link per
// approver. Delivered with retries (network errors, 408, 429, 5xx); every attempt is reported
// for the audit trail, without the URL's path or query (webhook URLs are often secrets) and
// without links (they are bearer tokens).
import { AddressPolicy, createCheckedAgent } from '@baton/http-worker';
import { fetch as undiciFetch } from 'undici';
import { evaluateDeferred } from '@baton/core';
import type { ApprovalNotice } from '@baton/engine';
import { signApprovalLink } from './tokens.ts';

export interface NotifyOptions {
  /** BATON_PUBLIC_URL: where people reach the orchestrator (links are `${publicUrl}/approve/<token>`). */
  publicUrl: string;
  /** BATON_APPROVAL_SECRET; without it notifications carry no links. */
  secret?: string;
  /** Links of a level without a deadline expire after this long. */
  linkTtlMs: number;
  attempts: number;
  backoffMs: number;
  timeoutMs: number;
}

export interface NotifyAttempt {
  target: number;
  format: 'json' | 'slack';
  host: string;
  attempt: number;
  ok: boolean;
  status?: number;
  error?: string;
  /** No further attempt will be made for this target. */
  final: boolean;
}

export interface ApprovalLink {
  approver: string;
  url: string;
}

export function linksFor(notice: ApprovalNotice, options: NotifyOptions, now = Date.now()): ApprovalLink[] {
  if (!options.secret) return [];
  const exp = Math.floor((notice.deadlineAt ?? now + options.linkTtlMs) / 1000);
  const base = options.publicUrl.replace(/\/+$/, '');
  return notice.approvers.map((approver) => ({ approver, url: `${base}/approve/${signApprovalLink(options.secret!, { approvalId: notice.approvalId, approver, level: notice.level, exp })}` }));
}

export function jsonPayload(notice: ApprovalNotice, links: ApprovalLink[], options: NotifyOptions): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    type: 'dev.baton.approval.requested',
    approvalId: notice.approvalId,
    runId: notice.runId,
    namespace: notice.namespace,
    workflow: notice.workflowName,
    task: notice.taskName,
    title: notice.title,
    level: notice.level,
    approvers: notice.approvers,
    quorum: notice.quorum,
    links,
    api: `${options.publicUrl.replace(/\/+$/, '')}/api/v1/approvals/${encodeURIComponent(notice.approvalId)}`,
  };
  if (notice.description !== undefined) payload.description = notice.description;
  if (notice.deadlineAt !== undefined) payload.deadlineAt = new Date(notice.deadlineAt).toISOString();
  return payload;
}

/** Slack incoming-webhook message: the title, the description (Slack mrkdwn is close to markdown), a button per approver. */
export function slackPayload(notice: ApprovalNotice, links: ApprovalLink[]): Record<string, unknown> {
  const who = `${notice.quorum} of ${notice.approvers.join(', ')}${notice.level > 0 ? ` (escalation level ${notice.level})` : ''}`;
  const deadline = notice.deadlineAt !== undefined ? ` · decide before ${new Date(notice.deadlineAt).toISOString()}` : '';
  const blocks: Record<string, unknown>[] = [{ type: 'header', text: { type: 'plain_text', text: notice.title.slice(0, 150) } }];
  if (notice.description) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: notice.description.slice(0, 3000) } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Approvers: ${who}${deadline} · run ${notice.runId}` }] });
  if (links.length > 0) {
    blocks.push({ type: 'actions', elements: links.slice(0, 25).map((l, i) => ({ type: 'button', action_id: `approve-${i}`, text: { type: 'plain_text', text: `Decide as ${l.approver}`.slice(0, 75) }, url: l.url })) });
  }
  return { text: `Approval needed: ${notice.title}`, blocks };
}

const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid-url';
  }
}

/**
 * Webhooks go out through the same outbound address rules as `call: http` (defaults: link-local
 * and cloud-metadata addresses refused, checked on the address actually dialled), so a workflow
 * cannot make the hitl-worker post to the metadata service.
 */
const webhookAgent = createCheckedAgent({ policy: new AddressPolicy({ allowCidrs: [], denyCidrs: [], allowPrivate: true }), connectTimeoutMs: 10_000, timeoutMs: 60_000 });

/** Delivers to every target (in parallel), retrying each; reports every attempt. */
export async function deliverNotifications(notice: ApprovalNotice, options: NotifyOptions, secrets: Record<string, unknown>, report: (attempt: NotifyAttempt) => Promise<void>, signal: AbortSignal): Promise<void> {
  const links = linksFor(notice, options);
  await Promise.all(
    notice.notify.map(async (target, index) => {
      let url: string;
      try {
        url = String(evaluateDeferred(target.url, secrets));
      } catch (error) {
        return report({ target: index, format: target.format, host: 'unresolved', attempt: 1, ok: false, error: `the URL expression failed: ${(error as Error).message}`, final: true });
      }
      const body = JSON.stringify(target.format === 'slack' ? slackPayload(notice, links) : jsonPayload(notice, links, options));
      for (let attempt = 1; attempt <= options.attempts && !signal.aborted; attempt += 1) {
        const base = { target: index, format: target.format, host: hostOf(url), attempt };
        let retry = false;
        try {
          const res = await undiciFetch(url, { dispatcher: webhookAgent, method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'baton-hitl-worker' }, body, signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]) });
          await res.arrayBuffer().catch(() => undefined);
          retry = !res.ok && retryable(res.status) && attempt < options.attempts;
          await report({ ...base, ok: res.ok, status: res.status, final: !retry });
        } catch (error) {
          if (signal.aborted) return;
          retry = attempt < options.attempts;
          // fetch wraps the reason (refused address, DNS, reset) in `cause`.
          const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
          await report({ ...base, ok: false, error: reason.slice(0, 200), final: !retry });
        }
        if (!retry) return;
        await new Promise((resolve) => setTimeout(resolve, options.backoffMs * 3 ** (attempt - 1)));
      }
    }),
  );
}
