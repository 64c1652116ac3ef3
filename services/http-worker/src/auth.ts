// Authentication policies of an endpoint → the credentials to send. Basic and bearer go on the
// first request; digest answers the server's 401 challenge (digest.ts).
import type { Authentication } from './payload.ts';

export type Credentials =
  | { scheme: 'basic'; username: string; password: string }
  | { scheme: 'bearer'; token: string }
  | { scheme: 'digest'; username: string; password: string };

export type CredentialsResult = { ok: true; credentials: Credentials | undefined } | { ok: false; problem: string };

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

/**
 * `authentication: { use: name }` names a policy of the workflow's `use.authentications`, which
 * the runner inlines before dispatch. If one still arrives, a secret of that name holding a whole
 * policy ({ basic: {...} } …) is accepted; anything else is a configuration error.
 */
function resolvePolicyReference(name: string, secrets: Record<string, unknown>): CredentialsResult {
  const secret = secrets[name];
  if (isRecord(secret) && ('basic' in secret || 'bearer' in secret || 'digest' in secret)) {
    const { use: _ignored, ...policy } = secret;
    return resolveCredentials(policy as Authentication, secrets);
  }
  return { ok: false, problem: `authentication policy "${name}" was not resolved: it is neither inlined by the runner nor a secret holding a policy` };
}

function userPassword(scheme: 'basic' | 'digest', config: { username: string; password: string } | { use: string }, secrets: Record<string, unknown>): CredentialsResult {
  if ('username' in config) return { ok: true, credentials: { scheme, username: config.username, password: config.password } };
  const secret = secrets[config.use];
  if (secret === undefined) return missingSecret(scheme, config.use);
  if (isRecord(secret) && typeof secret.username === 'string' && typeof secret.password === 'string') {
    return { ok: true, credentials: { scheme, username: secret.username, password: secret.password } };
  }
  return { ok: false, problem: `secret "${config.use}" used by ${scheme} authentication must hold { username, password }` };
}

function bearer(config: { token: string } | { use: string }, secrets: Record<string, unknown>): CredentialsResult {
  if ('token' in config) return { ok: true, credentials: { scheme: 'bearer', token: config.token } };
  const secret = secrets[config.use];
  if (secret === undefined) return missingSecret('bearer', config.use);
  if (typeof secret === 'string') return { ok: true, credentials: { scheme: 'bearer', token: secret } };
  if (isRecord(secret) && typeof secret.token === 'string') return { ok: true, credentials: { scheme: 'bearer', token: secret.token } };
  return { ok: false, problem: `secret "${config.use}" used by bearer authentication must hold a token string or { token }` };
}

function missingSecret(scheme: string, name: string): CredentialsResult {
  return { ok: false, problem: `secret "${name}" used by ${scheme} authentication is not defined in this worker's secrets` };
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
  return [credentials.password];
}
