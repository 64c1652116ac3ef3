// Authentication policies of an endpoint → the credentials to send. Basic and bearer go on the
// first request; digest answers the server's 401 challenge (digest.ts).
//
// Secret-based policies ({ bearer: { use: NAME } }) arrive already resolved: the runner turns them
// into deferred `$secrets["NAME"]` expressions, which evaluateDeferred checks against the grants
// of the task's namespace. A `use` that still arrives here (a task queued by an older version)
// can only read secrets granted to every namespace (`*`).
import { lookupSecrets, type WorkflowError } from '@baton/core';
import { configurationError } from './errors.ts';
import type { Authentication } from './payload.ts';
import type { Redactor } from './redact.ts';

export type Credentials =
  | { scheme: 'basic'; username: string; password: string }
  | { scheme: 'bearer'; token: string }
  | { scheme: 'digest'; username: string; password: string };

/** A failure is a configuration problem, or (`error`) the authorization error of a secret that may not be read. */
export type CredentialsResult = { ok: true; credentials: Credentials | undefined } | { ok: false; problem: string; error?: WorkflowError };

const unsupported = ['oauth2', 'oidc', 'certificate'] as const;

export function resolveCredentials(authentication: Authentication | undefined, secrets: Record<string, unknown>): CredentialsResult {
  if (authentication === undefined) return { ok: true, credentials: undefined };
  for (const scheme of unsupported) {
    if (scheme in authentication) {
      return { ok: false, problem: `authentication scheme "${scheme}" is not supported by the http worker (supported: basic, bearer, digest)` };
    }
  }
  if ('use' in authentication) return resolvePolicyReference(authentication.use, secrets);
  if ('basic' in authentication) return userPassword('basic', authentication.basic, secrets);
  if ('digest' in authentication) return userPassword('digest', authentication.digest, secrets);
  if ('bearer' in authentication) return bearer(authentication.bearer, secrets);
  return { ok: false, problem: 'authentication policy names no scheme' };
}

/** The error of a policy that could not be resolved: the secret's authorization error, or a configuration error. */
export function credentialsError(failure: { problem: string; error?: WorkflowError }, redact: Redactor): WorkflowError {
  return failure.error ? { ...failure.error, detail: redact(failure.problem) } : configurationError(failure.problem, redact);
}

/**
 * `authentication: { use: name }` names a policy of the workflow's `use.authentications`, which
 * the runner inlines before dispatch. If one still arrives, a secret of that name holding a whole
 * policy ({ basic: {...} } …) is accepted; anything else is a configuration error.
 */
function resolvePolicyReference(name: string, secrets: Record<string, unknown>): CredentialsResult {
  const read = readSecret(secrets, name);
  const secret = read.ok ? read.value : undefined;
  if (isRecord(secret) && ('basic' in secret || 'bearer' in secret || 'digest' in secret)) {
    const { use: _ignored, ...policy } = secret;
    return resolveCredentials(policy as Authentication, secrets);
  }
  return { ok: false, problem: `authentication policy "${name}" was not resolved: it is neither inlined by the runner nor a secret holding a policy that this task may read` };
}

function userPassword(scheme: 'basic' | 'digest', config: { username: string; password: string } | { use: string }, secrets: Record<string, unknown>): CredentialsResult {
  if ('username' in config) return { ok: true, credentials: { scheme, username: config.username, password: config.password } };
  const read = readSecret(secrets, config.use);
  if (!read.ok) return read;
  const secret = read.value;
  if (isRecord(secret) && typeof secret.username === 'string' && typeof secret.password === 'string') {
    return { ok: true, credentials: { scheme, username: secret.username, password: secret.password } };
  }
  return { ok: false, problem: `secret "${config.use}" used by ${scheme} authentication must hold { username, password }` };
}

function bearer(config: string | { token: string } | { use: string }, secrets: Record<string, unknown>): CredentialsResult {
  if (typeof config === 'string') return { ok: true, credentials: { scheme: 'bearer', token: config } };
  if ('token' in config) return { ok: true, credentials: { scheme: 'bearer', token: config.token } };
  const read = readSecret(secrets, config.use);
  if (!read.ok) return read;
  const secret = read.value;
  if (typeof secret === 'string') return { ok: true, credentials: { scheme: 'bearer', token: secret } };
  if (isRecord(secret) && typeof secret.token === 'string') return { ok: true, credentials: { scheme: 'bearer', token: secret.token } };
  return { ok: false, problem: `secret "${config.use}" used by bearer authentication must hold a token string or { token }` };
}

/** A secret named by a `use` that reached the worker unresolved: only grants to every namespace count. */
function readSecret(secrets: Record<string, unknown>, name: string): { ok: true; value: unknown } | { ok: false; problem: string; error: WorkflowError } {
  const lookup = lookupSecrets(secrets, [name], undefined);
  return lookup.ok ? { ok: true, value: lookup.values[name] } : { ok: false, problem: lookup.error.detail ?? '', error: lookup.error };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The Authorization header sent up front (digest sends none until challenged). */
export function preemptiveAuthorization(credentials: Credentials | undefined): string | undefined {
  if (credentials?.scheme === 'basic') {
    return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
  }
  if (credentials?.scheme === 'bearer') return `Bearer ${credentials.token}`;
  return undefined;
}

/** Every secret value a call may carry, for redaction of errors and request echoes. */
export function credentialStrings(credentials: Credentials | undefined): string[] {
  if (!credentials) return [];
  if (credentials.scheme === 'bearer') return [credentials.token];
  // username:password is what basic auth sends (base64-encoded, which the masker recognises).
  return [credentials.password, `${credentials.username}:${credentials.password}`];
}
