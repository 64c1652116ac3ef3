// Notifications of an approval level: one webhook POST per `notify` target, JSON (Baton's shape)
// or Slack-compatible (incoming-webhook `text` + `blocks`), each carrying one signed link per
// approver. Delivered with retries (network errors, 408, 429, 5xx); every attempt is reported
// for the audit trail, without the URL's path or query (webhook URLs are often secrets), without
// links (they are bearer tokens), and with every secret masked in error texts.
//
// Webhooks obey the outbound address policy of `call: http` (the same HTTP_WORKER_ALLOW_PRIVATE,
// HTTP_WORKER_ALLOW_CIDRS and HTTP_WORKER_DENY_CIDRS), checked on the address actually dialled. A
// refused delivery is not retried; its attempt says `refused: true`.
import { AddressDeniedError, AddressPolicy, createCheckedAgent, type AddressPolicyConfig } from '@baton/http-worker';
import { type Agent, fetch as undiciFetch } from 'undici';
import { createSecretMasker, ErrorTypes, evaluateDeferred, Fault, type SecretMasker } from '@baton/core';
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
  /** Where webhooks may connect: the outbound address policy of `call: http` (outboundPolicyFromEnv). */
  outbound: AddressPolicyConfig;
}

export interface NotifyAttempt {
  target: number;
  format: 'json' | 'slack';
  host: string;
  attempt: number;
  ok: boolean;
  status?: number;
  error?: string;
  /** Not delivered by policy: the outbound address rules, or a secret the URL needs that the namespace may not read. */
  refused?: boolean;
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

// One connection pool per policy (every notice of a worker shares it), checked on the address
// actually dialled, so a workflow cannot make the hitl-worker post to the metadata service, nor
// to loopback or private ranges when HTTP_WORKER_ALLOW_PRIVATE=false.
const agents = new WeakMap<AddressPolicyConfig, Agent>();
function webhookAgent(policy: AddressPolicyConfig): Agent {
  let agent = agents.get(policy);
  if (!agent) {
    agent = createCheckedAgent({ policy: new AddressPolicy(policy), connectTimeoutMs: 10_000, timeoutMs: 60_000 });
    agents.set(policy, agent);
  }
  return agent;
}

const maskers = new WeakMap<object, SecretMasker>();
function maskerFor(secrets: Readonly<Record<string, unknown>>): SecretMasker {
  let masker = maskers.get(secrets);
  if (!masker) {
    masker = createSecretMasker(secrets);
    maskers.set(secrets, masker);
  }
  return masker;
}

type Resolved = { ok: true; url: string } | { ok: false; refused: boolean; error: string };

/** The target's URL: a deferred `${ $secrets… }` is resolved here, for the approval's namespace only. */
function resolveUrl(url: unknown, secrets: Readonly<Record<string, unknown>>): Resolved {
  let text: string;
  try {
    text = String(evaluateDeferred(url, secrets));
  } catch (error) {
    if (error instanceof Fault && error.error.type === ErrorTypes.authorization) return { ok: false, refused: true, error: error.error.detail ?? 'secret not available' };
    return { ok: false, refused: false, error: `the URL expression failed: ${(error as Error).message}` };
  }
  const protocol = URL.canParse(text) ? new URL(text).protocol : undefined;
  if (protocol !== 'http:' && protocol !== 'https:') return { ok: false, refused: true, error: 'the URL is not an absolute http(s) URL' };
  return { ok: true, url: text };
}

function deniedBy(error: unknown): AddressDeniedError | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 8; depth += 1) {
    if (current instanceof AddressDeniedError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Delivers to every target (in parallel), retrying each; reports every attempt. */
export async function deliverNotifications(notice: ApprovalNotice, options: NotifyOptions, secrets: Record<string, unknown>, report: (attempt: NotifyAttempt) => Promise<void>, signal: AbortSignal): Promise<void> {
  const links = linksFor(notice, options);
  const mask = maskerFor(secrets);
  const dispatcher = webhookAgent(options.outbound);
  await Promise.all(
    notice.notify.map(async (target, index) => {
      const resolved = resolveUrl(target.url, secrets);
      if (!resolved.ok) {
        return report({ target: index, format: target.format, host: 'unresolved', attempt: 1, ok: false, ...(resolved.refused ? { refused: true } : {}), error: mask.text(resolved.error), final: true });
      }
      const { url } = resolved;
      const body = JSON.stringify(target.format === 'slack' ? slackPayload(notice, links) : jsonPayload(notice, links, options));
      for (let attempt = 1; attempt <= options.attempts && !signal.aborted; attempt += 1) {
        const base = { target: index, format: target.format, host: hostOf(url), attempt };
        let retry = false;
        try {
          const res = await undiciFetch(url, { dispatcher, method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'baton-hitl-worker' }, body, signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]) });
          await res.arrayBuffer().catch(() => undefined);
          retry = !res.ok && retryable(res.status) && attempt < options.attempts;
          await report({ ...base, ok: res.ok, status: res.status, final: !retry });
        } catch (error) {
          if (signal.aborted) return;
          // A refusal by the address policy is final: retrying cannot change the answer.
          const denied = deniedBy(error);
          retry = !denied && attempt < options.attempts;
          // fetch wraps the reason (refused address, DNS, reset) in `cause`.
          const reason = denied?.message ?? (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
          await report({ ...base, ok: false, ...(denied ? { refused: true } : {}), error: mask.text(reason.slice(0, 200)), final: !retry });
        }
        if (!retry) return;
        await new Promise((resolve) => setTimeout(resolve, options.backoffMs * 3 ** (attempt - 1)));
      }
    }),
  );
}
