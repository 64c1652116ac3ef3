import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestAuthorization, parseDigestChallenges, pickChallenge } from './digest.ts';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

describe('digest authentication', () => {
  it('parses several challenges and prefers the strongest algorithm', () => {
    const challenges = parseDigestChallenges([
      'Basic realm="x", Digest realm="api", qop="auth,auth-int", algorithm=MD5, nonce="n1", opaque="o"',
      'Digest realm="api", qop="auth", algorithm=SHA-256, nonce="n2"',
    ]);
    expect(challenges.map((c) => c.algorithm)).toEqual(['MD5', 'SHA-256']);
    expect(pickChallenge(challenges)).toMatchObject({ nonce: 'n2', algorithm: 'SHA-256' });
  });

  it('computes the RFC 2617 example response', () => {
    // RFC 2617 §3.5: Mufasa / "Circle Of Life".
    const [challenge] = parseDigestChallenges('Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"');
    const header = digestAuthorization({ challenge: challenge!, username: 'Mufasa', password: 'Circle Of Life', method: 'GET', uri: '/dir/index.html', cnonce: '0a4f113b' });
    expect(header).toContain('response="6629fae49393a05397450978507c4ef1"');
    expect(header).toContain('qop=auth, nc=00000001, cnonce="0a4f113b"');
    expect(header).toContain('opaque="5ccc069c403ebaf9f0171e9517f40e41"');
  });

  it('supports -sess and challenges without qop', () => {
    const [sess] = parseDigestChallenges('Digest realm="r", nonce="n", qop=auth, algorithm=MD5-sess');
    const header = digestAuthorization({ challenge: sess!, username: 'u', password: 'p', method: 'POST', uri: '/x', cnonce: 'c' });
    const ha1 = md5(`${md5('u:r:p')}:n:c`);
    expect(header).toContain(`response="${md5(`${ha1}:n:00000001:c:auth:${md5('POST:/x')}`)}"`);
    const [legacy] = parseDigestChallenges('Digest realm="r", nonce="n"');
    expect(digestAuthorization({ challenge: legacy!, username: 'u', password: 'p', method: 'GET', uri: '/' })).toContain(`response="${md5(`${md5('u:r:p')}:n:${md5('GET:/')}`)}"`);
  });

  it('ignores challenges it cannot answer', () => {
    expect(pickChallenge(parseDigestChallenges('Digest realm="r", nonce="n", qop="auth-int"'))).toBeUndefined();
    expect(pickChallenge(parseDigestChallenges('Digest realm="r", nonce="n", algorithm=SHA-1'))).toBeUndefined();
    expect(parseDigestChallenges('Bearer realm="r"')).toEqual([]);
  });
});
