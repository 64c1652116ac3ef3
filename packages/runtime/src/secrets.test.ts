import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isGranted, lookupSecrets } from '@baton/core';
import { scratchDir } from '@baton/testkit/scratch';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './env.ts';
import { loadSecretStore } from './secrets.ts';

const dir = scratchDir('baton-secrets-');
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('loadSecretStore', () => {
  it('reads values and grants from the environment: BATON_SECRET_<NAME>[_FILE] and BATON_SECRET_<NAME>_NAMESPACES', () => {
    const { secrets, warnings } = loadSecretStore({
      BATON_SECRET_DEMO: 'demo-secret-value',
      BATON_SECRET_DEMO_NAMESPACES: 'team-a, team-b',
      BATON_SECRET_DB_FILE: file('db.json', '{"username":"svc","password":"db-password-1"}\n'),
      BATON_SECRET_DB_NAMESPACES: '*',
    });
    expect(secrets).toEqual({ DEMO: 'demo-secret-value', DB: { username: 'svc', password: 'db-password-1' } });
    expect(isGranted(secrets, 'DEMO', 'team-a')).toBe(true);
    expect(isGranted(secrets, 'DEMO', 'team-c')).toBe(false);
    expect(isGranted(secrets, 'DB', 'team-c')).toBe(true);
    expect(warnings.filter((w) => w.includes('no grant'))).toEqual([]);
  });

  it('reads granted entries { value, namespaces } of BATON_SECRETS_FILE; the environment wins', () => {
    const secretsFile = file('secrets.yaml', ['slack: { value: "https://hooks.example/T0/B0/xyz", namespaces: [ops] }', 'plain: just-a-value', 'login: { username: u, password: pass-word-1 }', 'token: { value: file-token-1, namespaces: "a,b" }'].join('\n'));
    const { secrets } = loadSecretStore({ BATON_SECRETS_FILE: secretsFile, BATON_SECRET_token: 'env-token-123', BATON_SECRET_plain_NAMESPACES: 'ops' });
    expect(secrets).toEqual({ slack: 'https://hooks.example/T0/B0/xyz', plain: 'just-a-value', login: { username: 'u', password: 'pass-word-1' }, token: 'env-token-123' });
    expect(lookupSecrets(secrets, ['slack', 'plain'], 'ops').ok).toBe(true);
    expect(isGranted(secrets, 'token', 'b')).toBe(true);
    expect(isGranted(secrets, 'login', 'ops')).toBe(false);
  });

  it('grants nothing by default and says so at start, naming the secret and how to grant it (never its value)', () => {
    const { secrets, warnings } = loadSecretStore({ BATON_SECRET_DEMO: 'demo-secret-value', BATON_SECRET_PIN: '1234' });
    expect(lookupSecrets(secrets, ['DEMO'], 'demo').ok).toBe(false);
    expect(warnings.join('\n')).toContain('secret(s) DEMO, PIN have no grant');
    expect(warnings.join('\n')).toContain('BATON_SECRET_<NAME>_NAMESPACES');
    expect(warnings.join('\n')).toContain('secret(s) PIN hold strings shorter than 6 characters');
    expect(warnings.join('\n')).not.toContain('demo-secret-value');
  });

  it('warns about a grant of a secret that is not defined', () => {
    expect(loadSecretStore({ BATON_SECRET_GHOST_NAMESPACES: 'a' }).warnings).toEqual([expect.stringContaining('BATON_SECRET_GHOST_NAMESPACES grants secret "GHOST", which is not defined')]);
  });

  it('refuses a grant to something that is not a namespace, and a granted entry with other members', () => {
    expect(() => loadSecretStore({ BATON_SECRET_X: 'value-1234', BATON_SECRET_X_NAMESPACES: 'Team A' })).toThrow(ConfigError);
    expect(() => loadSecretStore({ BATON_SECRET_X: 'value-1234', BATON_SECRET_X_NAMESPACES: 'Team A' })).toThrow(/'Team', 'A' is not a namespace/);
    const bad = file('bad.yaml', 'x: { value: v, namespaces: [a], extra: 1 }\n');
    expect(() => loadSecretStore({ BATON_SECRETS_FILE: bad })).toThrow(/may hold nothing else \(found: extra\)/);
  });
});
