// The request target of an HTTP request or upgrade, read without throwing. A client can send any
// bytes as a path ("//", "%ZZ", "%00", "*"), and `new URL(path, base)` or decodeURIComponent
// throw on some of them: in an upgrade handler that was an unhandled rejection that ended the
// process. Here every target is either a path and a query, or undefined (answered 400).

export interface RequestTarget {
  /** The path as sent (percent-encoded, not normalised: "//" stays "//"). */
  path: string;
  query: URLSearchParams;
}

/** Origin form (`/path?query`) or absolute form (`http://host/path?query`); undefined for anything else. */
export function parseTarget(raw: string | undefined): RequestTarget | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.startsWith('/')) {
    const q = raw.indexOf('?');
    // URLSearchParams decodes leniently (a malformed escape stays as it is): it never throws.
    return q === -1 ? { path: raw, query: new URLSearchParams() } : { path: raw.slice(0, q), query: new URLSearchParams(raw.slice(q + 1)) };
  }
  if (!/^https?:\/\//i.test(raw)) return undefined;
  try {
    const url = new URL(raw);
    return { path: url.pathname, query: url.searchParams };
  } catch {
    return undefined;
  }
}

/** One percent-encoded path segment, decoded; undefined when the encoding is malformed (%ZZ, a lone %C3). */
export function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
