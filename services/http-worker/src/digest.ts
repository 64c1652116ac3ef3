// HTTP Digest access authentication (RFC 7616), qop=auth, MD5 / SHA-256 / SHA-512-256 and
// their -sess variants. One challenge → one Authorization header.
import { createHash, randomBytes } from 'node:crypto';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  qop?: string[];
  algorithm: string;
  userhash: boolean;
}

const HASHES: Record<string, string> = { 'MD5': 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' };
// Preference when a server offers several challenges: strongest first.
const PREFERENCE = ['SHA-512-256', 'SHA-256', 'MD5'];

const AUTH_PARAM = /\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*))?\s*,?/g;

/** Parses WWW-Authenticate header values into their Digest challenges (other schemes skipped). */
export function parseDigestChallenges(headerValues: string | string[] | undefined): DigestChallenge[] {
  const values = headerValues === undefined ? [] : Array.isArray(headerValues) ? headerValues : [headerValues];
  const challenges: Array<{ scheme: string; params: Record<string, string> }> = [];
  for (const value of values) {
    for (const match of value.matchAll(AUTH_PARAM)) {
      const [, name, raw] = match;
      if (!name) continue;
      if (raw === undefined) challenges.push({ scheme: name.toLowerCase(), params: {} });
      else {
        const current = challenges.at(-1);
        if (current) current.params[name.toLowerCase()] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
      }
    }
  }
  return challenges.flatMap(({ scheme, params }) => {
    if (scheme !== 'digest' || params.realm === undefined || params.nonce === undefined) return [];
    const challenge: DigestChallenge = {
      realm: params.realm,
      nonce: params.nonce,
      algorithm: (params.algorithm ?? 'MD5').toUpperCase(),
      userhash: params.userhash?.toLowerCase() === 'true',
    };
    if (params.opaque !== undefined) challenge.opaque = params.opaque;
    if (params.qop !== undefined) challenge.qop = params.qop.split(',').map((qop) => qop.trim().toLowerCase());
    return [challenge];
  });
}

/** The challenge to answer, or undefined when none uses a supported algorithm/qop. */
export function pickChallenge(challenges: DigestChallenge[]): DigestChallenge | undefined {
  const usable = challenges.filter((c) => HASHES[baseAlgorithm(c.algorithm)] !== undefined && (c.qop === undefined || c.qop.includes('auth')));
  return usable.sort((a, b) => PREFERENCE.indexOf(baseAlgorithm(a.algorithm)) - PREFERENCE.indexOf(baseAlgorithm(b.algorithm)))[0];
}

function baseAlgorithm(algorithm: string): string {
  return algorithm.endsWith('-SESS') ? algorithm.slice(0, -5) : algorithm;
}

export interface DigestInput {
  challenge: DigestChallenge;
  username: string;
  password: string;
  method: string;
  /** The request-target: path and query. */
  uri: string;
  /** For tests: a fixed client nonce. */
  cnonce?: string;
}

export function digestAuthorization(input: DigestInput): string {
  const { challenge, method, uri } = input;
  const hashName = HASHES[baseAlgorithm(challenge.algorithm)];
  if (!hashName) throw new Error(`unsupported digest algorithm ${challenge.algorithm}`);
  const h = (text: string) => createHash(hashName).update(text, 'utf8').digest('hex');
  const cnonce = input.cnonce ?? randomBytes(16).toString('hex');
  const nc = '00000001';
  let ha1 = h(`${input.username}:${challenge.realm}:${input.password}`);
  if (challenge.algorithm.endsWith('-SESS')) ha1 = h(`${ha1}:${challenge.nonce}:${cnonce}`);
  const ha2 = h(`${method}:${uri}`);
  const qop = challenge.qop ? 'auth' : undefined;
  const response = qop ? h(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : h(`${ha1}:${challenge.nonce}:${ha2}`);
  const username = challenge.userhash ? h(`${input.username}:${challenge.realm}`) : input.username;
  const params: Array<[string, string, boolean]> = [
    ['username', username, true],
    ['realm', challenge.realm, true],
    ['nonce', challenge.nonce, true],
    ['uri', uri, true],
    ['algorithm', challenge.algorithm, false],
    ['response', response, true],
  ];
  if (challenge.opaque !== undefined) params.push(['opaque', challenge.opaque, true]);
  if (qop) params.push(['qop', qop, false], ['nc', nc, false], ['cnonce', cnonce, true]);
  if (challenge.userhash) params.push(['userhash', 'true', false]);
  return `Digest ${params.map(([name, value, quoted]) => (quoted ? `${name}="${value.replace(/(["\\])/g, '\\$1')}"` : `${name}=${value}`)).join(', ')}`;
}
