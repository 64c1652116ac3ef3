// Workflow secrets ($secrets). Sources, later ones winning:
//   BATON_SECRETS_FILE (or BATON_SECRETS_FILE_FILE…): a JSON or YAML map name → value
//   BATON_SECRET_<NAME> / BATON_SECRET_<NAME>_FILE: one secret; the value is parsed as JSON when
//   it is a JSON object/array, else kept as a string. <NAME> keeps its case.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError, readEnv, type Env } from './env.ts';

const PREFIX = 'BATON_SECRET_';

export function loadSecrets(env: Env): Record<string, unknown> {
  const secrets: Record<string, unknown> = {};
  const file = env.BATON_SECRETS_FILE;
  if (file) {
    let parsed: unknown;
    try {
      parsed = parseYaml(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigError(`BATON_SECRETS_FILE '${file}' cannot be read as JSON/YAML: ${(error as Error).message}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError(`BATON_SECRETS_FILE '${file}' must hold a map of secret names to values`);
    }
    Object.assign(secrets, parsed);
  }
  for (const key of Object.keys(env)) {
    if (!key.startsWith(PREFIX)) continue;
    const name = key.endsWith('_FILE') ? key.slice(PREFIX.length, -'_FILE'.length) : key.slice(PREFIX.length);
    if (!name || name in secrets && key.endsWith('_FILE')) continue;
    const value = readEnv(env, PREFIX + name);
    if (value !== undefined) secrets[name] = parseSecretValue(value);
  }
  return secrets;
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
