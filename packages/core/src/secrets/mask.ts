// Masking secret values, the way CI systems mask secrets in logs: every occurrence of a secret
// (and of its common encodings) in a string is replaced by SECRET_MASK. No I/O; the workers that
// hold secrets mask what they publish, and every service's log lines go through one masker.
//
// What counts as a secret string: a string secret, every string leaf of an object or array secret,
// and `username:password` of an object secret holding both (the payload of basic auth). Strings
// shorter than MIN_MASKED_LENGTH are never masked: masking "a" would mask every "a" (a startup
// warning names such secrets, see unmaskableSecrets). Numbers and booleans are not masked.
//
// Encodings masked besides the value itself: JSON string escaping (a secret with a quote or a
// backslash inside JSON text), URL encoding (encodeURIComponent and form encoding), and base64 /
// base64url of the whole value (with and without padding). A secret transformed otherwise (cut,
// reversed, hex, base64 of a longer string) is not recognised: masking is a safety net, the
// guarantee is that the runner never holds secrets (docs/SECURITY.md).

export const SECRET_MASK = '***';
/** Secret strings shorter than this are not masked. */
export const MIN_MASKED_LENGTH = 6;

export interface SecretMasker {
  /** True when there is nothing to mask (no secret long enough). */
  readonly empty: boolean;
  /** `text` with every secret replaced by SECRET_MASK. */
  text(text: string): string;
  /**
   * The same for every string of a JSON-like value — object keys included. Parts without a
   * secret keep their identity, and a value without any is returned as is (no copy).
   */
  value<T>(value: T): T;
}

/** The strings of one secret value that must not appear anywhere (before encodings). */
export function secretStrings(secret: unknown): string[] {
  const found: string[] = [];
  const stack: unknown[] = [secret];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') {
      found.push(item);
    } else if (item !== null && typeof item === 'object' && !seen.has(item)) {
      seen.add(item);
      const values = Array.isArray(item) ? item : Object.values(item);
      const { username, password } = item as { username?: unknown; password?: unknown };
      if (typeof username === 'string' && typeof password === 'string') found.push(`${username}:${password}`);
      for (const value of values) stack.push(value);
    }
  }
  return found;
}

/** A string and its common encodings, each at least MIN_MASKED_LENGTH long. */
export function maskVariants(value: string): string[] {
  if (value.length < MIN_MASKED_LENGTH) return [];
  const base64 = Buffer.from(value, 'utf8').toString('base64');
  const variants = [
    value,
    JSON.stringify(value).slice(1, -1),
    encodeURIComponent(value),
    new URLSearchParams({ v: value }).toString().slice(2),
    base64,
    base64.replace(/=+$/, ''),
    Buffer.from(value, 'utf8').toString('base64url'),
  ];
  return [...new Set(variants)].filter((variant) => variant.length >= MIN_MASKED_LENGTH);
}

/**
 * A masker for every secret of `secrets` (a name → value record, or a list of values) and for
 * `extra` strings (credentials a worker derived from them, e.g. an Authorization header).
 */
export function createSecretMasker(secrets: Readonly<Record<string, unknown>> | readonly unknown[], extra: readonly string[] = []): SecretMasker {
  const values = Array.isArray(secrets) ? secrets : Object.values(secrets);
  const patterns = new Set<string>();
  for (const text of [...values.flatMap(secretStrings), ...extra]) for (const variant of maskVariants(text)) patterns.add(variant);
  if (patterns.size === 0) return EMPTY_MASKER;
  // Longest first, so a secret that contains another is masked whole.
  const sorted = [...patterns].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
  const text = (input: string): string => (input.length < MIN_MASKED_LENGTH ? input : input.replace(pattern, SECRET_MASK));
  return { empty: false, text, value: (input) => maskStrings(input, text) };
}

/** Names of secrets with a non-empty string shorter than MIN_MASKED_LENGTH (never masked; a startup warning lists them). */
export function unmaskableSecrets(secrets: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(secrets)
    .filter(([, value]) => secretStrings(value).some((text) => text.length > 0 && text.length < MIN_MASKED_LENGTH))
    .map(([name]) => name);
}

const EMPTY_MASKER: SecretMasker = { empty: true, text: (input) => input, value: (input) => input };

/** Maskers that mask what each of them masks (a worker's secrets plus one call's credentials). */
export function combineMaskers(...maskers: SecretMasker[]): SecretMasker {
  const active = maskers.filter((masker) => !masker.empty);
  if (active.length === 0) return EMPTY_MASKER;
  if (active.length === 1) return active[0]!;
  const text = (input: string) => active.reduce((result, masker) => masker.text(result), input);
  return { empty: false, text, value: (input) => maskStrings(input, text) };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface Pending {
  source: Record<string, unknown> | unknown[];
  keys: string[];
  index: number;
  /** The copy, made when the first child changed. */
  copy?: Record<string, unknown> | unknown[];
  /** Where the finished value goes: the parent's entry (undefined for the root). */
  parent?: Pending;
  parentKey?: string;
}

/**
 * Applies `mask` to every string (keys too) of a JSON-like value, without recursion (values may
 * nest deeper than the stack) and copying only the containers on the path to a change.
 */
function maskStrings<T>(value: T, mask: (text: string) => string): T {
  if (typeof value === 'string') return mask(value) as T;
  if (value === null || typeof value !== 'object') return value;
  let result: unknown = value;
  const stack: Pending[] = [open(value as object)];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.index >= top.keys.length) {
      stack.pop();
      const finished = top.copy ?? top.source;
      if (top.parent) setChild(top.parent, top.parentKey!, finished, finished !== top.source);
      else result = finished;
      continue;
    }
    const key = top.keys[top.index++]!;
    const child = (top.source as Record<string, unknown>)[key];
    const maskedKey = Array.isArray(top.source) ? key : mask(key);
    if (maskedKey !== key) renameKey(top, key, maskedKey);
    if (typeof child === 'string') {
      const masked = mask(child);
      setChild(top, maskedKey, masked, masked !== child);
    } else if (child !== null && typeof child === 'object') {
      stack.push({ ...open(child), parent: top, parentKey: maskedKey });
    }
  }
  return result as T;
}

function open(value: object): Pending {
  const source = value as Record<string, unknown> | unknown[];
  return { source, keys: Object.keys(source), index: 0 };
}

function ensureCopy(pending: Pending): Record<string, unknown> | unknown[] {
  pending.copy ??= Array.isArray(pending.source) ? [...pending.source] : { ...pending.source };
  return pending.copy;
}

function setChild(pending: Pending, key: string, value: unknown, changed: boolean): void {
  if (!changed && pending.copy === undefined) return;
  (ensureCopy(pending) as Record<string, unknown>)[key] = value;
}

function renameKey(pending: Pending, key: string, maskedKey: string): void {
  const copy = ensureCopy(pending) as Record<string, unknown>;
  const value = copy[key];
  delete copy[key];
  copy[maskedKey] = value;
}
