// Which namespaces may read which workflow secret (docs/SECURITY.md, "Secrets").
//
// The secrets a worker holds are a plain name → value record (so they travel through code that
// knows nothing about grants); the grants ride along on the same object under a non-enumerable
// symbol, set by withGrants (the runtime's loadSecrets). A record without grants — built by hand,
// or copied with a spread, which drops them — grants nothing: every lookup is refused. Least
// privilege: a secret is readable only by the namespaces it is granted to, `*` meaning every one.
import { ErrorTypes, workflowError, type WorkflowError } from '../errors.ts';

/** A grant to every namespace. */
export const ALL_NAMESPACES = '*';

const GRANTS = Symbol.for('baton.secrets.grants');

/** Secret name → the namespaces that may read it (ALL_NAMESPACES for every one). */
export type SecretGrants = ReadonlyMap<string, ReadonlySet<string>>;

/** The record `values` with its grants attached (a secret missing from `grants` is granted to no one). */
export function withGrants<T extends Record<string, unknown>>(values: T, grants: Readonly<Record<string, readonly string[]>>): T {
  const map = new Map<string, ReadonlySet<string>>();
  for (const [name, namespaces] of Object.entries(grants)) if (Object.hasOwn(values, name)) map.set(name, new Set(namespaces));
  Object.defineProperty(values, GRANTS, { value: map, enumerable: false, configurable: true });
  return values;
}

/** The grants attached to a secrets record (empty when none are). */
export function grantsOf(secrets: Readonly<Record<string, unknown>>): SecretGrants {
  return ((secrets as Record<symbol, unknown>)[GRANTS] as SecretGrants | undefined) ?? new Map();
}

/** Whether `namespace` may read secret `name` (undefined namespace: only grants to every namespace count). */
export function isGranted(secrets: Readonly<Record<string, unknown>>, name: string, namespace: string | undefined): boolean {
  if (!Object.hasOwn(secrets, name)) return false;
  const granted = grantsOf(secrets).get(name);
  if (!granted) return false;
  return granted.has(ALL_NAMESPACES) || (namespace !== undefined && granted.has(namespace));
}

/** Names of secrets granted to no namespace (a startup warning lists them). */
export function ungrantedSecrets(secrets: Readonly<Record<string, unknown>>): string[] {
  const grants = grantsOf(secrets);
  return Object.keys(secrets).filter((name) => (grants.get(name)?.size ?? 0) === 0);
}

export type SecretLookup = { ok: true; values: Record<string, unknown> } | { ok: false; error: WorkflowError };

/**
 * The values of `names` for a task of `namespace`, or the Serverless Workflow authorization
 * error (dsl.md, "Secret": 403 for a secret that does not exist or may not be read). The error
 * does not say which of the two it is: a namespace must not learn what others hold.
 */
export function lookupSecrets(secrets: Readonly<Record<string, unknown>>, names: readonly string[], namespace: string | undefined): SecretLookup {
  const values: Record<string, unknown> = {};
  for (const name of names) {
    if (!isGranted(secrets, name, namespace)) return { ok: false, error: secretAccessError(name, namespace) };
    values[name] = secrets[name];
  }
  return { ok: true, values };
}

export function secretAccessError(name: string, namespace: string | undefined, instance?: string): WorkflowError {
  const who = namespace === undefined ? 'a task without a namespace (queued by an older version; only secrets granted to "*" are readable)' : `namespace "${namespace}"`;
  const detail = `secret "${name}" does not exist or is not granted to ${who}; an operator grants it with BATON_SECRET_${name}_NAMESPACES or "namespaces" in BATON_SECRETS_FILE (docs/SECURITY.md)`;
  return workflowError(ErrorTypes.authorization, 403, detail, instance, 'Secret not available');
}
