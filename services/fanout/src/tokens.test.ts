import { describe, expect, it } from 'vitest';
import { StreamTokenError, isStreamToken, mintStreamToken, secretId, streamTokenKeysFromValues, verifyStreamToken } from './tokens.ts';

const keys = { current: 'a'.repeat(40) };
const now = Date.parse('2026-11-27T12:00:00Z');

function reasonOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return error instanceof StreamTokenError ? error.reason : `other: ${String(error)}`;
  }
}

describe('stream tokens', () => {
  it('round-trips the claims of a valid token', () => {
    const { token } = mintStreamToken(keys, { keyId: 'k1', keyName: 'ci', namespace: 'shop', ttlSeconds: 60, now });
    expect(isStreamToken(token)).toBe(true);
    expect(verifyStreamToken(keys, token, now + 59_000)).toMatchObject({ kid: 'k1', knm: 'ci', ns: 'shop', exp: now / 1000 + 60, sid: secretId(keys.current) });
  });

  it('refuses an expired token', () => {
    const { token } = mintStreamToken(keys, { keyId: 'k1', keyName: 'ci', ttlSeconds: 60, now });
    expect(reasonOf(() => verifyStreamToken(keys, token, now + 60_000))).toBe('expired');
  });

  it('refuses a token whose claims were changed (namespace widened)', () => {
    const { token } = mintStreamToken(keys, { keyId: 'k1', keyName: 'ci', namespace: 'shop', ttlSeconds: 60, now });
    const [prefix, body, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
    delete claims.ns;
    const forged = `${prefix}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    expect(reasonOf(() => verifyStreamToken(keys, forged, now))).toBe('bad-signature');
  });

  it('refuses a token signed with another secret of the same id claim', () => {
    const other = { current: 'b'.repeat(40) };
    const { token } = mintStreamToken(other, { keyId: 'k1', keyName: 'ci', ttlSeconds: 60, now });
    expect(reasonOf(() => verifyStreamToken(keys, token, now))).toBe('unknown-secret');
    const [prefix, body] = token.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
    claims.sid = secretId(keys.current);
    const relabelled = `${prefix}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${token.split('.')[2]}`;
    expect(reasonOf(() => verifyStreamToken(keys, relabelled, now))).toBe('bad-signature');
  });

  it('accepts tokens of the previous secret during a rotation', () => {
    const old = { current: 'o'.repeat(40) };
    const { token } = mintStreamToken(old, { keyId: 'k1', keyName: 'ci', ttlSeconds: 60, now });
    expect(verifyStreamToken({ current: keys.current, previous: old.current }, token, now).kid).toBe('k1');
  });

  it('refuses malformed tokens', () => {
    for (const token of ['bst1.', 'bst1.x.y', 'bst1.e30.sig', 'nope', 'bst1.a.b.c']) expect(reasonOf(() => verifyStreamToken(keys, token, now))).toBe('malformed');
  });

  it('refuses a token issued in the future beyond the allowed skew', () => {
    const { token } = mintStreamToken(keys, { keyId: 'k1', keyName: 'ci', ttlSeconds: 600, now: now + 120_000 });
    expect(reasonOf(() => verifyStreamToken(keys, token, now))).toBe('not-yet-valid');
  });

  it('reads the secrets, refusing short ones', () => {
    expect(streamTokenKeysFromValues(undefined, undefined)).toBeUndefined();
    expect(streamTokenKeysFromValues(` ${'s'.repeat(32)} `, undefined)).toEqual({ current: 's'.repeat(32) });
    expect(() => streamTokenKeysFromValues('short', undefined)).toThrow(/at least 32/);
    expect(() => streamTokenKeysFromValues('s'.repeat(32), 'short')).toThrow(/PREVIOUS/);
  });
});
