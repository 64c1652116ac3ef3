// Workflow secrets ($secrets) and the namespaces they are granted to (docs/SECURITY.md, "Secrets").
// Sources, later ones winning:
//   BATON_SECRETS_FILE (or BATON_SECRETS_FILE_FILE…): a JSON or YAML map name → value, where a
//     value may be written { value: V, namespaces: [a, b] } to grant it
//   BATON_SECRET_<NAME> / BATON_SECRET_<NAME>_FILE: one secret; the value is parsed as JSON when
//     it is a JSON object/array, else kept as a string. <NAME> keeps its case.
//   BATON_SECRET_<NAME>_NAMESPACES (or …_NAMESPACES_FILE): the namespaces that may read secret
//     <NAME>, comma- or space-separated; `*` grants every namespace. It wins over the file's grant.
// Least privilege: a secret without a grant is readable by no namespace (a startup warning names
// it and says how to grant it). Values never appear in messages.
import { readFileSync } from 'node:fs';
import { ALL_NAMESPACES, unmaskableSecrets, ungrantedSecrets, withGrants, MIN_MASKED_LENGTH } from '@baton/core';
import { parse as parseYaml } from 'yaml';
import { ConfigError, readEnv, type Env } from './env.ts';

const PREFIX = 'BATON_SECRET_';
const GRANT_SUFFIX = '_NAMESPACES';
/** DSL namespace names (`^[a-z0-9](-?[a-z0-9])*$`), or `*`. */
const NAMESPACE = /^[a-z0-9](-?[a-z0-9])*$/;

export interface LoadedSecrets {
  /** name → value, with the grants attached (see @baton/core withGrants). */
  secrets: Record<string, unknown>;
  /** What an operator should know (no values): ungranted secrets, unmaskable ones, grants of unknown secrets. */
  warnings: string[];
}

export function loadSecrets(env: Env): Record<string, unknown> {
  return loadSecretStore(env).secrets;
}

export function loadSecretStore(env: Env): LoadedSecrets {
  const secrets: Record<string, unknown> = {};
  const grants: Record<string, string[]> = {};
  readSecretsFile(env, secrets, grants);
  // Each variable once: readEnv picks BATON_SECRET_X, else the file named by BATON_SECRET_X_FILE.
  const variables = new Set(Object.keys(env).filter((key) => key.startsWith(PREFIX)).map((key) => (key.endsWith('_FILE') ? key.slice(0, -'_FILE'.length) : key)));
  const envGrants: Array<[string, string]> = [];
  for (const variable of variables) {
    const name = variable.slice(PREFIX.length);
    if (!name) continue;
    if (name.endsWith(GRANT_SUFFIX)) {
      envGrants.push([name.slice(0, -GRANT_SUFFIX.length), variable]);
      continue;
    }
    const value = readEnv(env, variable);
    if (value !== undefined) secrets[name] = parseSecretValue(value);
  }
  const warnings: string[] = [];
  for (const [name, variable] of envGrants) {
    const text = readEnv(env, variable);
    if (text === undefined) continue;
    grants[name] = parseNamespaces(text, variable);
    if (!Object.hasOwn(secrets, name)) warnings.push(`${variable} grants secret "${name}", which is not defined (no BATON_SECRET_${name} nor an entry of BATON_SECRETS_FILE)`);
  }
  withGrants(secrets, grants);
  warnings.push(...describe(secrets));
  return { secrets, warnings };
}

function readSecretsFile(env: Env, secrets: Record<string, unknown>, grants: Record<string, string[]>): void {
  const file = env.BATON_SECRETS_FILE;
  if (!file) return;
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`BATON_SECRETS_FILE '${file}' cannot be read as JSON/YAML: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`BATON_SECRETS_FILE '${file}' must hold a map of secret names to values`);
  }
  for (const [name, entry] of Object.entries(parsed)) {
    if (!isGrantedEntry(entry)) {
      secrets[name] = entry;
      continue;
    }
    const extra = Object.keys(entry).filter((key) => key !== 'value' && key !== 'namespaces');
    if (extra.length > 0) throw new ConfigError(`BATON_SECRETS_FILE: secret "${name}" has value and namespaces, so it may hold nothing else (found: ${extra.join(', ')})`);
    secrets[name] = entry.value;
    const list = Array.isArray(entry.namespaces) ? entry.namespaces.join(',') : String(entry.namespaces);
    grants[name] = parseNamespaces(list, `BATON_SECRETS_FILE (secret "${name}", namespaces)`);
  }
}

/** `{ value, namespaces }` (both present) is a granted entry; any other value is the secret itself. */
function isGrantedEntry(entry: unknown): entry is { value: unknown; namespaces: unknown } {
  return entry !== null && typeof entry === 'object' && !Array.isArray(entry) && 'value' in entry && 'namespaces' in entry;
}

function parseNamespaces(text: string, where: string): string[] {
  const namespaces = text.split(/[\s,]+/).filter((part) => part !== '');
  const bad = namespaces.filter((ns) => ns !== ALL_NAMESPACES && !NAMESPACE.test(ns));
  if (bad.length > 0) throw new ConfigError(`${where}: '${bad.join("', '")}' is not a namespace (lower-case letters, digits and '-', or * for every namespace)`);
  return namespaces;
}

function describe(secrets: Record<string, unknown>): string[] {
  const warnings: string[] = [];
  const ungranted = ungrantedSecrets(secrets);
  if (ungranted.length > 0) {
    warnings.push(
      `secret(s) ${ungranted.join(', ')} have no grant, so no namespace can read them (a run that does gets a 403 authorization error). ` +
        'Grant each with BATON_SECRET_<NAME>_NAMESPACES=ns1,ns2 (* for every namespace, the behaviour before grants existed) or "namespaces" in BATON_SECRETS_FILE',
    );
  }
  const unmaskable = unmaskableSecrets(secrets);
  if (unmaskable.length > 0) {
    warnings.push(`secret(s) ${unmaskable.join(', ')} hold strings shorter than ${MIN_MASKED_LENGTH} characters, which are not masked in outputs, events and logs`);
  }
  return warnings;
}

function parseSecretValue(value: string): unknown {
  const trimmed = value.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return value;
    }
  }
  return value;
}
