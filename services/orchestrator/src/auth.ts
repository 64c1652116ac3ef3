// API key authentication. Every request under /api carries `Authorization: Bearer <key>`.
//
// Verifying a key is a store round trip, so results (valid and invalid) are cached in memory for
// `ttlMs` (BATON_AUTH_CACHE_MS, default 5 s). Consequence, documented in docs/API.md: a key revoked
// through another process keeps working here for at most that window; a key revoked through this
// process stops at once (revoke() drops it from the cache).
import { createHash } from 'node:crypto';
import type { ApiKeyRecord, Store } from '@baton/core';
import type { FastifyRequest } from 'fastify';
import { ApiProblem, ProblemTypes, forbidden } from './problems.ts';

export type Principal = ApiKeyRecord;

interface CacheEntry {
  record: ApiKeyRecord | undefined;
  expiresAt: number;
}

/** Bounded so that a stream of random keys cannot grow memory without limit. */
const MAX_ENTRIES = 10_000;

export class ApiKeyCache {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<ApiKeyRecord | undefined>>();

  constructor(
    private readonly store: Pick<Store, 'verifyApiKey'>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The active key with this secret, from the cache when fresh; concurrent lookups share one query. */
  async verify(secret: string): Promise<ApiKeyRecord | undefined> {
    // Keyed by a hash so the cache never holds a secret in clear.
    const digest = createHash('sha256').update(secret).digest('base64url');
    const cached = this.entries.get(digest);
    if (cached && cached.expiresAt > this.now()) return cached.record;
    const pending = this.inFlight.get(digest);
    if (pending) return pending;
    const lookup = this.lookup(digest, secret);
    this.inFlight.set(digest, lookup);
    try {
      return await lookup;
    } finally {
      this.inFlight.delete(digest);
    }
  }

  /** Forget a key (after revoking it here) so the revocation is immediate in this process. */
  forgetKey(id: string): void {
    for (const [digest, entry] of this.entries) {
      if (entry.record?.id === id) this.entries.delete(digest);
    }
  }

  private async lookup(digest: string, secret: string): Promise<ApiKeyRecord | undefined> {
    const record = await this.store.verifyApiKey(secret);
    if (this.ttlMs > 0) {
      if (this.entries.size >= MAX_ENTRIES) this.evictOldest();
      this.entries.delete(digest);
      this.entries.set(digest, { record, expiresAt: this.now() + this.ttlMs });
    }
    return record;
  }

  private evictOldest(): void {
    const now = this.now();
    for (const [digest, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(digest);
    }
    if (this.entries.size < MAX_ENTRIES) return;
    const oldest = this.entries.keys().next();
    if (!oldest.done) this.entries.delete(oldest.value);
  }
}

const unauthorized = (detail: string) =>
  new ApiProblem(401, ProblemTypes.unauthorized, detail, { headers: { 'www-authenticate': 'Bearer realm="baton"' } });

/** The bearer token of a request, or a 401 problem. */
export function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (header === undefined || header === '') {
    throw unauthorized('missing Authorization header: send "Authorization: Bearer <api key>"');
  }
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!match?.[1]) throw unauthorized('malformed Authorization header: expected "Bearer <api key>"');
  return match[1];
}

export async function authenticate(request: FastifyRequest, cache: ApiKeyCache): Promise<Principal> {
  const token = bearerToken(request);
  const record = await cache.verify(token);
  if (!record) throw unauthorized('the API key is unknown or has been revoked');
  return record;
}

export function requireAdmin(principal: Principal): void {
  if (principal.role !== 'admin') throw forbidden(`key "${principal.name}" has role "user"; this route needs an admin key`);
}

/** A namespace-restricted key may only touch its own namespace. */
export function assertNamespace(principal: Principal, namespace: string): void {
  if (principal.namespace !== undefined && principal.namespace !== namespace) {
    throw forbidden(`key "${principal.name}" is restricted to namespace "${principal.namespace}" and cannot access namespace "${namespace}"`);
  }
}

/** The namespace a listing is limited to: the requested one (checked) or the key's own. */
export function listingNamespace(principal: Principal, requested: string | undefined): string | undefined {
  if (requested !== undefined) {
    assertNamespace(principal, requested);
    return requested;
  }
  return principal.namespace;
}
