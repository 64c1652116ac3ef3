// The worker's cache of OpenAPI documents, as an HTTP private cache would keep them (RFC 9111,
// the parts a document needs): fresh for `Cache-Control: max-age` (less `Age`) or until
// `Expires`; `no-cache` or no freshness → revalidated on every use with `If-None-Match` (ETag) /
// `If-Modified-Since`; `no-store` → never kept. A 304 keeps the parsed document and renews its
// freshness. Keyed by document URL and the credentials used to read it, so a document read with
// one workflow's credentials is never served to a call without them. Bounded by entries and by
// the bytes of the documents (least recently used first out).
import type { OpenApiDocument } from './document.ts';

export interface CacheLimits {
  maxEntries: number;
  /** Sum of the documents' sizes as read (the parsed form takes a few times more). */
  maxBytes: number;
}

export const DEFAULT_CACHE_LIMITS: CacheLimits = { maxEntries: 64, maxBytes: 32 * 1024 * 1024 };

/** The response headers that decide freshness and revalidation, lower-case names. */
export type CacheHeaders = Partial<Record<'cache-control' | 'expires' | 'date' | 'age' | 'etag' | 'last-modified', string>>;

export interface CacheEntry {
  document: OpenApiDocument;
  headers: CacheHeaders;
  /** Epoch ms until which the entry is used without asking the server. */
  freshUntil: number;
  bytes: number;
}

const CACHE_HEADER_NAMES = ['cache-control', 'expires', 'date', 'age', 'etag', 'last-modified'] as const;

export function cacheHeadersOf(headers: Record<string, string>): CacheHeaders {
  const picked: CacheHeaders = {};
  for (const name of CACHE_HEADER_NAMES) if (headers[name] !== undefined) picked[name] = headers[name];
  return picked;
}

function directives(cacheControl: string | undefined): Map<string, string> {
  const result = new Map<string, string>();
  for (const part of (cacheControl ?? '').split(',')) {
    const [name, value = ''] = part.trim().split('=', 2) as [string, string?];
    if (name) result.set(name.toLowerCase(), value.replace(/^"|"$/g, ''));
  }
  return result;
}

/** Until when a response received at `now` is fresh, and whether it may be kept at all. */
export function freshness(headers: CacheHeaders, now: number): { storable: boolean; freshUntil: number } {
  const cc = directives(headers['cache-control']);
  const validators = headers.etag !== undefined || headers['last-modified'] !== undefined;
  if (cc.has('no-store')) return { storable: false, freshUntil: 0 };
  let lifetimeMs = 0;
  if (cc.has('no-cache')) lifetimeMs = 0;
  else if (cc.has('max-age')) {
    const maxAge = Number.parseInt(cc.get('max-age') ?? '', 10);
    const age = Number.parseInt(headers.age ?? '0', 10);
    lifetimeMs = Number.isFinite(maxAge) ? Math.max(0, maxAge - (Number.isFinite(age) ? age : 0)) * 1000 : 0;
  } else if (headers.expires !== undefined) {
    const expires = Date.parse(headers.expires);
    const date = headers.date !== undefined ? Date.parse(headers.date) : now;
    lifetimeMs = Number.isFinite(expires) ? Math.max(0, expires - (Number.isFinite(date) ? date : now)) : 0;
  }
  // Without freshness and without a validator a kept copy could never be used.
  return { storable: lifetimeMs > 0 || validators, freshUntil: now + lifetimeMs };
}

export class DocumentCache {
  private readonly entries = new Map<string, CacheEntry>();
  private bytes = 0;

  constructor(
    private readonly limits: CacheLimits = DEFAULT_CACHE_LIMITS,
    readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The entry of `key` (marked as recently used), fresh or not. */
  get(key: string): CacheEntry | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  isFresh(entry: CacheEntry): boolean {
    return this.now() < entry.freshUntil;
  }

  /** Keeps a document just read (when its headers allow it); drops what it replaces. */
  store(key: string, document: OpenApiDocument, headers: CacheHeaders, bytes: number): void {
    this.delete(key);
    const { storable, freshUntil } = freshness(headers, this.now());
    if (!storable || bytes > this.limits.maxBytes) return;
    this.entries.set(key, { document, headers, freshUntil, bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.limits.maxEntries && this.bytes <= this.limits.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }

  /** A 304 for `entry`: its headers updated with the new ones (RFC 9111 §4.3.4), freshness renewed. */
  revalidated(key: string, entry: CacheEntry, headers: CacheHeaders): void {
    const merged = { ...entry.headers, ...headers };
    const { storable, freshUntil } = freshness(merged, this.now());
    if (!storable) return this.delete(key);
    entry.headers = merged;
    entry.freshUntil = freshUntil;
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}
