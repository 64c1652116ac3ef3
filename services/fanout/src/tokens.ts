// Stream tokens: short-lived credentials for clients that cannot send an Authorization header
// (browsers opening a WebSocket or an EventSource). The orchestrator mints them
// (POST /api/v1/stream-tokens) for an authenticated API key; any fanout replica verifies them
// with no shared state and no database round trip: a token is an HMAC-SHA256 signature over
// its claims, with a secret every service reads from BATON_STREAM_TOKEN_SECRET.
//
//   bst1.<base64url(claims JSON)>.<base64url(HMAC-SHA256(secret, "bst1." + claims part))>
//
// Claims: kid (the issuing API key's id: revoking the key invalidates its tokens), knm (its
// name, for messages), ns (namespace restriction, absent = all), iat/exp (epoch seconds) and
// sid (which secret signed it, so a previous secret can be accepted during a rotation).
// See docs/STREAMING.md ("Stream tokens") for why HMAC rather than tokens stored in Postgres.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

const PREFIX = 'bst1';
export const MIN_SECRET_LENGTH = 32;
/** Longest lifetime a token may ask for. */
export const MAX_TOKEN_TTL_SECONDS = 3600;
export const DEFAULT_TOKEN_TTL_SECONDS = 60;
/** Clock difference between services tolerated on `iat`. */
const CLOCK_SKEW_SECONDS = 30;

const Claims = z.object({
  kid: z.string().min(1),
  knm: z.string(),
  ns: z.string().min(1).optional(),
  iat: z.number().int(),
  exp: z.number().int(),
  sid: z.string().min(1),
});
export type StreamTokenClaims = z.infer<typeof Claims>;

/** The signing secret and, during a rotation, the previous one (verification only). */
export interface StreamTokenKeys {
  current: string;
  previous?: string;
}

export type TokenFailure = 'malformed' | 'unknown-secret' | 'bad-signature' | 'expired' | 'not-yet-valid';

export class StreamTokenError extends Error {
  override readonly name = 'StreamTokenError';
  constructor(
    readonly reason: TokenFailure,
    message: string,
  ) {
    super(message);
  }
}

export function isStreamToken(credential: string): boolean {
  return credential.startsWith(`${PREFIX}.`);
}

/** Short, non-secret id of a secret (first 8 bytes of its sha256). */
export function secretId(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 16);
}

export function generateTokenSecret(): string {
  return randomBytes(32).toString('base64url');
}

export interface MintRequest {
  keyId: string;
  keyName: string;
  namespace?: string;
  ttlSeconds: number;
  /** Epoch milliseconds (tests). */
  now?: number;
}

export function mintStreamToken(keys: StreamTokenKeys, request: MintRequest): { token: string; claims: StreamTokenClaims } {
  const iat = Math.floor((request.now ?? Date.now()) / 1000);
  const claims: StreamTokenClaims = {
    kid: request.keyId,
    knm: request.keyName,
    ...(request.namespace !== undefined && { ns: request.namespace }),
    iat,
    exp: iat + request.ttlSeconds,
    sid: secretId(keys.current),
  };
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return { token: `${PREFIX}.${body}.${sign(keys.current, body)}`, claims };
}

/** The token's claims, or StreamTokenError saying why it is refused. */
export function verifyStreamToken(keys: StreamTokenKeys, token: string, now: number = Date.now()): StreamTokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX || !parts[1] || !parts[2]) throw new StreamTokenError('malformed', 'the stream token is malformed');
  const [, body, signature] = parts as [string, string, string];
  const claims = parseClaims(body);
  const secret = [keys.current, keys.previous].find((candidate) => candidate !== undefined && secretId(candidate) === claims.sid);
  if (secret === undefined) throw new StreamTokenError('unknown-secret', 'the stream token was signed with a secret this server does not know (rotated away?); ask for a new one');
  const expected = Buffer.from(sign(secret, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new StreamTokenError('bad-signature', 'the stream token signature is invalid');
  const seconds = Math.floor(now / 1000);
  if (claims.exp <= seconds) throw new StreamTokenError('expired', `the stream token expired at ${new Date(claims.exp * 1000).toISOString()}; ask POST /api/v1/stream-tokens for a new one`);
  if (claims.iat > seconds + CLOCK_SKEW_SECONDS) throw new StreamTokenError('not-yet-valid', 'the stream token is issued in the future (clock skew between services?)');
  return claims;
}

function parseClaims(body: string): StreamTokenClaims {
  try {
    return Claims.parse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
  } catch {
    throw new StreamTokenError('malformed', 'the stream token is malformed');
  }
}

function sign(secret: string, body: string): string {
  return createHmac('sha256', secret).update(`${PREFIX}.${body}`).digest('base64url');
}

/**
 * BATON_STREAM_TOKEN_SECRET (or _FILE) and BATON_STREAM_TOKEN_PREVIOUS_SECRET; undefined when
 * unset (stream tokens disabled). Throws on a secret shorter than MIN_SECRET_LENGTH.
 */
export function streamTokenKeysFromValues(current: string | undefined, previous: string | undefined): StreamTokenKeys | undefined {
  if (current === undefined || current.trim() === '') return undefined;
  for (const [name, value] of [['BATON_STREAM_TOKEN_SECRET', current], ['BATON_STREAM_TOKEN_PREVIOUS_SECRET', previous]] as const) {
    if (value !== undefined && value.trim().length < MIN_SECRET_LENGTH) {
      throw new Error(`${name} must have at least ${MIN_SECRET_LENGTH} characters (generate one with: openssl rand -base64 32)`);
    }
  }
  return previous !== undefined && previous.trim() !== '' ? { current: current.trim(), previous: previous.trim() } : { current: current.trim() };
}
