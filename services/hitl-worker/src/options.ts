// hitl-worker configuration from the environment (README.md lists every variable).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { outboundPolicyFromEnv } from '@baton/http-worker';
import { ConfigError, readEnv, readInt, type Env } from '@baton/runtime';
import type { NotifyOptions } from './notify.ts';
import { generateApprovalSecret, MIN_SECRET_LENGTH } from './tokens.ts';

export interface HitlWorkerOptions extends NotifyOptions {
  /** Approval messages handled at once (each may wait on notification retries). */
  concurrency: number;
  /** Lease of a consumed message; renewed while its notifications are retried. */
  visibilityMs: number;
  /** How often due deadlines are claimed. */
  pollMs: number;
  /** A claimed deadline fires again after this long if its runner message was not confirmed. */
  claimMs: number;
  consumerName: string;
}

export const DEFAULT_HITL_OPTIONS: Omit<HitlWorkerOptions, 'consumerName' | 'publicUrl'> = {
  concurrency: 64,
  visibilityMs: 30_000,
  pollMs: 250,
  claimMs: 10_000,
  linkTtlMs: 7 * 24 * 3_600_000,
  attempts: 5,
  backoffMs: 500,
  timeoutMs: 10_000,
  // The http-worker's defaults (DEFAULT_OPTIONS): built-in denials only; private ranges allowed.
  outbound: { allowCidrs: [], denyCidrs: [], allowPrivate: true },
};

export function approvalSecretFromEnv(env: Env): string | undefined {
  const secret = readEnv(env, 'BATON_APPROVAL_SECRET')?.trim();
  if (secret !== undefined && secret.length < MIN_SECRET_LENGTH) throw new ConfigError(`BATON_APPROVAL_SECRET must have at least ${MIN_SECRET_LENGTH} characters`);
  return secret || undefined;
}

export function hitlWorkerOptionsFromEnv(env: Env, overrides: Partial<HitlWorkerOptions> = {}): HitlWorkerOptions {
  const publicUrl = readEnv(env, 'BATON_PUBLIC_URL') ?? 'http://localhost:8081';
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError(`BATON_PUBLIC_URL must be an absolute URL (e.g. https://baton.example.com), got '${publicUrl}'`);
  }
  const options: HitlWorkerOptions = {
    ...DEFAULT_HITL_OPTIONS,
    publicUrl,
    concurrency: readInt(env, 'HITL_CONCURRENCY', DEFAULT_HITL_OPTIONS.concurrency, 1),
    pollMs: readInt(env, 'HITL_POLL_MS', DEFAULT_HITL_OPTIONS.pollMs, 10),
    claimMs: readInt(env, 'HITL_CLAIM_MS', DEFAULT_HITL_OPTIONS.claimMs, 100),
    attempts: readInt(env, 'HITL_NOTIFY_ATTEMPTS', DEFAULT_HITL_OPTIONS.attempts, 1),
    backoffMs: readInt(env, 'HITL_NOTIFY_BACKOFF_MS', DEFAULT_HITL_OPTIONS.backoffMs, 0),
    timeoutMs: readInt(env, 'HITL_NOTIFY_TIMEOUT_MS', DEFAULT_HITL_OPTIONS.timeoutMs, 100),
    // Webhooks obey the outbound address policy of call: http, from the same variables.
    outbound: outboundPolicyFromEnv(env),
    consumerName: `hitl-${hostname()}-${process.pid}`,
    ...overrides,
  };
  const secret = overrides.secret ?? approvalSecretFromEnv(env);
  if (secret !== undefined) options.secret = secret;
  return options;
}

/**
 * The all-in-one process's secret: BATON_APPROVAL_SECRET, else the one kept in `file` (the data
 * folder's `approval-secret`, mode 0600, generated on first start), else a new one for this
 * process only (links then stop working at a restart).
 */
export function loadOrCreateApprovalSecret(env: Env, file?: string): string {
  const configured = approvalSecretFromEnv(env);
  if (configured) return configured;
  if (file && existsSync(file)) {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept.length >= MIN_SECRET_LENGTH) return kept;
  }
  const secret = generateApprovalSecret();
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return secret;
}
