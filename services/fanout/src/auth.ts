// Who is connecting: an API key (Authorization: Bearer <key>, the same keys as the REST API) or
// a stream token (Authorization: Bearer bst1.… or ?token=bst1.… for browsers). Checked before
// the WebSocket handshake completes or the SSE response starts, so nothing is ever sent to an
// unauthenticated client.
//
// Key checks are cached for BATON_AUTH_CACHE_MS like the orchestrator's; the key list (to honour
// revocations of keys behind tokens and of open connections) is re-read at most as often.
import { createHash } from 'node:crypto';
import type { ApiKeyRecord, Store } from '@baton/core';
import { fail } from './protocol.ts';
import { StreamTokenError, isStreamToken, verifyStreamToken, type StreamTokenKeys } from './tokens.ts';

export interface Principal {
  keyId: string;
  keyName: string;
  /** Restricts the connection to one namespace; undefined = all namespaces. */
  namespace?: string;
  via: 'api-key' | 'stream-token';
  /** When the key was found active, in the order of key-list reads (Authenticator's clock). */
  seenAt?: number;
}

export interface Credentials {
  authorization?: string | undefined;
  /** `token` query parameter (stream tokens only). */
  queryToken?: string | undefined;
}

type KeyStore = Pick<Store, 'verifyApiKey' | 'listApiKeys'>;

interface KeyList {
  byId: Map<string, ApiKeyRecord>;
  expiresAt: number;
  /** When the read began, on the Authenticator's clock. */
  startedAt: number;
}

/** Bounded so that a stream of random keys cannot grow memory without limit. */
const MAX_CACHED_KEYS = 10_000;

const unauthorized = (detail: string) => fail(401, detail);

export class Authenticator {
  private readonly verified = new Map<string, { record: ApiKeyRecord | undefined; expiresAt: number }>();
  private keyList: KeyList | undefined;
  private keyListLoading: { startedAt: number; list: Promise<KeyList> } | undefined;
  /** Orders authentications and key-list reads: a list read before a key was seen may lack it. */
  private clock = 0;

  constructor(
    private readonly store: KeyStore,
    private readonly cacheMs: number,
    private readonly tokenKeys: StreamTokenKeys | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** The principal, or a StreamProblemError (401/403) saying what to do. */
  async authenticate(credentials: Credentials): Promise<Principal> {
    const credential = this.credentialOf(credentials);
    const principal = isStreamToken(credential) ? await this.fromToken(credential) : await this.fromKey(credential);
    return { ...principal, seenAt: ++this.clock };
  }

  private async fromKey(secret: string): Promise<Principal> {
    const record = await this.verifyKey(secret);
    if (!record) throw unauthorized('the API key is unknown or has been revoked');
    return { keyId: record.id, keyName: record.name, ...(record.namespace !== undefined && { namespace: record.namespace }), via: 'api-key' };
  }

  /**
   * Whether the key behind a principal is still active (checked by the keep-alive tick). A key
   * missing from a list read before it was seen is newer than the list: the list is read again.
   */
  async stillActive(principal: Principal): Promise<boolean> {
    const seenAt = principal.seenAt ?? 0;
    let list = await this.keys();
    if (!list.byId.has(principal.keyId) && list.startedAt < seenAt) list = await this.keys(seenAt);
    const key = list.byId.get(principal.keyId);
    return key !== undefined && key.revokedAt === undefined;
  }

  private credentialOf({ authorization, queryToken }: Credentials): string {
    if (authorization !== undefined && authorization !== '') {
      const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
      if (!match?.[1]) throw unauthorized('malformed Authorization header: expected "Bearer <api key or stream token>"');
      return match[1];
    }
    if (queryToken !== undefined && queryToken !== '') {
      // An API key in a URL ends up in proxy and server logs; only short-lived tokens go there.
      if (!isStreamToken(queryToken)) throw unauthorized('the token query parameter takes a stream token (POST /api/v1/stream-tokens), never an API key');
      return queryToken;
    }
    throw unauthorized('no credentials: send "Authorization: Bearer <api key>" or a stream token as ?token=');
  }

  private async fromToken(token: string): Promise<Principal> {
    if (!this.tokenKeys) throw unauthorized('stream tokens are not enabled on this fanout (BATON_STREAM_TOKEN_SECRET is unset); use an API key');
    let claims;
    try {
      claims = verifyStreamToken(this.tokenKeys, token, this.now());
    } catch (error) {
      if (error instanceof StreamTokenError) throw unauthorized(error.message);
      throw error;
    }
    // A validly signed token names a real key; one missing from the cached list was created after
    // the list was read, so the list is read again rather than the key taken for revoked.
    const key = (await this.keys()).byId.get(claims.kid) ?? (await this.keys(++this.clock)).byId.get(claims.kid);
    if (!key || key.revokedAt !== undefined) throw unauthorized('the API key that issued this stream token has been revoked');
    if (key.namespace !== undefined && claims.ns !== key.namespace) throw fail(403, `the stream token's namespace does not match its key's restriction to "${key.namespace}"`);
    return { keyId: claims.kid, keyName: claims.knm, ...(claims.ns !== undefined && { namespace: claims.ns }), via: 'stream-token' };
  }

  private async verifyKey(secret: string): Promise<ApiKeyRecord | undefined> {
    // Keyed by a hash so the cache never holds a secret in clear.
    const digest = createHash('sha256').update(secret).digest('base64url');
    const cached = this.verified.get(digest);
    if (cached && cached.expiresAt > this.now()) return cached.record;
    const record = await this.store.verifyApiKey(secret);
    if (this.cacheMs > 0) {
      if (this.verified.size >= MAX_CACHED_KEYS) this.verified.clear();
      this.verified.set(digest, { record, expiresAt: this.now() + this.cacheMs });
    }
    return record;
  }

  /** The key list, cached; with `after`, one whose read started after that point of the clock. */
  private async keys(after = -1): Promise<KeyList> {
    if (this.keyList && this.keyList.expiresAt > this.now() && this.keyList.startedAt > after) return this.keyList;
    if (this.keyListLoading && this.keyListLoading.startedAt > after) return this.keyListLoading.list;
    const startedAt = ++this.clock;
    const list = this.store.listApiKeys().then((records) => {
      const read: KeyList = { byId: new Map(records.map((record) => [record.id, record])), expiresAt: this.now() + this.cacheMs, startedAt };
      if (!this.keyList || this.keyList.startedAt < startedAt) this.keyList = read;
      return read;
    });
    const loading = { startedAt, list };
    this.keyListLoading = loading;
    const done = () => {
      if (this.keyListLoading === loading) this.keyListLoading = undefined;
    };
    list.then(done, done);
    return list;
  }
}

/** Whether a principal may read a namespace. */
export function allows(principal: Principal, namespace: string): boolean {
  return principal.namespace === undefined || principal.namespace === namespace;
}
