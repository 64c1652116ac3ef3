import { describe, expect, it } from 'vitest';
import { signApprovalLink, verifyApprovalLink } from './tokens.ts';

const secret = 'a-test-secret-of-enough-length';
const claims = { approvalId: 'run-1:e1', approver: 'alice@example.com', level: 0, exp: Math.floor(Date.now() / 1000) + 60 };

describe('approval link tokens', () => {
  it('round-trips the claims', () => {
    expect(verifyApprovalLink(secret, signApprovalLink(secret, claims))).toEqual({ ok: true, claims });
  });

  it('refuses a token signed with another secret, or altered', () => {
    const token = signApprovalLink(secret, claims);
    expect(verifyApprovalLink('another-secret-of-some-length', token)).toEqual({ ok: false, reason: 'forged' });
    const [payload, signature] = token.split('.') as [string, string];
    const altered = Buffer.from(JSON.stringify({ a: 'run-1:e1', p: 'mallory', l: 0, e: claims.exp })).toString('base64url');
    expect(verifyApprovalLink(secret, `${altered}.${signature}`)).toEqual({ ok: false, reason: 'forged' });
    expect(verifyApprovalLink(secret, `${payload}.x`)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses an expired token', () => {
    const token = signApprovalLink(secret, { ...claims, exp: Math.floor(Date.now() / 1000) - 1 });
    expect(verifyApprovalLink(secret, token)).toEqual({ ok: false, reason: 'expired' });
  });
});
