// Signed approval links: `/approve/<token>`, one token per approver and level. The token is
// `<payload>.<signature>`, both base64url: the payload is the JSON {a: approval id, p: approver,
// l: level, e: expiry in epoch seconds}, the signature HMAC-SHA256 of the payload text with
// BATON_APPROVAL_SECRET. The hitl-worker signs (into notifications), the orchestrator verifies;
// neither keeps state. A token is single-use because the approver's decision is (one decision
// per approver, a unique key in Postgres); it stops working at its expiry or when the approval
// moves to another level or closes.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface LinkClaims {
  approvalId: string;
  approver: string;
  level: number;
  /** Expiry, epoch seconds. */
  exp: number;
}

export type LinkVerification = { ok: true; claims: LinkClaims } | { ok: false; reason: 'malformed' | 'forged' | 'expired' };

/** Shortest secret accepted (bytes of text). */
export const MIN_SECRET_LENGTH = 16;

export function generateApprovalSecret(): string {
  return randomBytes(32).toString('base64url');
}

function sign(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

export function signApprovalLink(secret: string, claims: LinkClaims): string {
  const payload = Buffer.from(JSON.stringify({ a: claims.approvalId, p: claims.approver, l: claims.level, e: claims.exp })).toString('base64url');
  return `${payload}.${sign(secret, payload)}`;
}

export function verifyApprovalLink(secret: string, token: string, nowMs = Date.now()): LinkVerification {
  const match = /^([A-Za-z0-9_-]{1,4000})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return { ok: false, reason: 'malformed' };
  const [, payload, signature] = match as unknown as [string, string, string];
  const expected = Buffer.from(sign(secret, payload));
  if (!timingSafeEqual(expected, Buffer.from(signature))) return { ok: false, reason: 'forged' };
  let raw: { a?: unknown; p?: unknown; l?: unknown; e?: unknown };
  try {
    raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof raw;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof raw.a !== 'string' || typeof raw.p !== 'string' || !Number.isInteger(raw.l) || typeof raw.e !== 'number') return { ok: false, reason: 'malformed' };
  if (raw.e * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { approvalId: raw.a, approver: raw.p, level: raw.l as number, exp: raw.e } };
}
