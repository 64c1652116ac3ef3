import { describe, expect, it } from 'vitest';
import { ErrorTypes } from '../errors.ts';
import { ALL_NAMESPACES, isGranted, lookupSecrets, ungrantedSecrets, withGrants } from './grants.ts';

const secrets = () => withGrants({ A_KEY: 'a-secret-value', B_KEY: 'b-secret-value', SHARED: 's-value-123', NOBODY: 'n-value-123' }, { A_KEY: ['team-a'], B_KEY: ['team-b'], SHARED: [ALL_NAMESPACES] });

describe('secret grants', () => {
  it('lets a namespace read only what it is granted (and what is granted to every namespace)', () => {
    const s = secrets();
    expect(lookupSecrets(s, ['A_KEY', 'SHARED'], 'team-a')).toEqual({ ok: true, values: { A_KEY: 'a-secret-value', SHARED: 's-value-123' } });
    expect(isGranted(s, 'B_KEY', 'team-a')).toBe(false);
    expect(isGranted(s, 'SHARED', 'anyone')).toBe(true);
  });

  it('refuses another namespace secret, an ungranted one and a missing one alike: 403 authorization', () => {
    const s = secrets();
    for (const name of ['B_KEY', 'NOBODY', 'MISSING']) {
      const result = lookupSecrets(s, [name], 'team-a');
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.error).toMatchObject({ type: ErrorTypes.authorization, status: 403 });
      expect(result.error.detail).toContain(`secret "${name}" does not exist or is not granted to namespace "team-a"`);
      expect(JSON.stringify(result.error)).not.toContain('-value');
    }
  });

  it('gives a task without a namespace only secrets granted to every namespace', () => {
    const s = secrets();
    expect(lookupSecrets(s, ['SHARED'], undefined).ok).toBe(true);
    expect(lookupSecrets(s, ['A_KEY'], undefined).ok).toBe(false);
  });

  it('grants nothing through a record without grants, or a copy of one (fails closed)', () => {
    expect(lookupSecrets({ A_KEY: 'x' }, ['A_KEY'], 'team-a').ok).toBe(false);
    expect(lookupSecrets({ ...secrets() }, ['SHARED'], 'team-a').ok).toBe(false);
  });

  it('keeps the grants out of JSON and key listings, and lists ungranted secrets', () => {
    const s = secrets();
    expect(Object.keys(s)).toEqual(['A_KEY', 'B_KEY', 'SHARED', 'NOBODY']);
    expect(JSON.parse(JSON.stringify(s))).toEqual({ A_KEY: 'a-secret-value', B_KEY: 'b-secret-value', SHARED: 's-value-123', NOBODY: 'n-value-123' });
    expect(ungrantedSecrets(s)).toEqual(['NOBODY']);
  });
});
