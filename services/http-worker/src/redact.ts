// Secrets must not leave the worker: not in logs, not in errors, not in the request echo of
// `output: response`, not in a response that echoes them. The masker (@baton/core) replaces every
// secret this worker holds — of any namespace — and the credentials of the call, wherever and
// however commonly encoded they appear (docs/SECURITY.md, "Masking").
import { combineMaskers, createSecretMasker, SECRET_MASK, type SecretMasker } from '@baton/core';

export type Redactor = (text: string) => string;

export const REDACTED = SECRET_MASK;
const SENSITIVE_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'api-key']);

// Building a masker compiles one regular expression from every secret: once per secrets record.
const workerMaskers = new WeakMap<object, SecretMasker>();

/** The masker of a worker's secrets, plus `extra` strings (one call's credentials). */
export function secretMasker(secrets: Readonly<Record<string, unknown>>, extra: readonly string[] = []): SecretMasker {
  let base = workerMaskers.get(secrets);
  if (!base) {
    base = createSecretMasker(secrets);
    workerMaskers.set(secrets, base);
  }
  return extra.length === 0 ? base : combineMaskers(base, createSecretMasker([], extra));
}

export function createRedactor(secrets: Readonly<Record<string, unknown>>, extra: readonly string[] = []): Redactor {
  return secretMasker(secrets, extra).text;
}

/** Request headers safe to echo: credentials-bearing headers masked, then secret values redacted. */
export function redactHeaders(headers: Record<string, string | string[]>, redact: Redactor): Record<string, string> {
  const safe: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const text = Array.isArray(value) ? value.join(', ') : value;
    safe[name] = SENSITIVE_HEADERS.has(name.toLowerCase()) ? REDACTED : redact(text);
  }
  return safe;
}
