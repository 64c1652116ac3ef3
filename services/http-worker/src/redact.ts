// Secrets must not leave the worker: not in logs, not in errors, not in the request echo of
// `output: response`. Every secret string (and credential) is replaced wherever it appears.
export type Redactor = (text: string) => string;

const MIN_SECRET_LENGTH = 4; // shorter values would redact ordinary words
export const REDACTED = '[REDACTED]';
const SENSITIVE_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'api-key']);

function collectStrings(value: unknown, into: Set<string>, depth = 0): void {
  if (depth > 16) return;
  if (typeof value === 'string') {
    if (value.length >= MIN_SECRET_LENGTH) into.add(value);
  } else if (typeof value === 'number' && String(value).length >= MIN_SECRET_LENGTH) {
    into.add(String(value));
  } else if (Array.isArray(value)) {
    for (const item of value) collectStrings(item, into, depth + 1);
  } else if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) collectStrings(item, into, depth + 1);
  }
}

export function createRedactor(secrets: Record<string, unknown>, extra: readonly string[] = []): Redactor {
  const values = new Set<string>();
  collectStrings(secrets, values);
  collectStrings(extra, values);
  for (const value of [...values]) {
    // Secrets also travel URL-encoded (query strings) and base64-encoded (basic auth).
    values.add(encodeURIComponent(value));
    values.add(new URLSearchParams({ v: value }).toString().slice(2));
  }
  const sorted = [...values].filter((value) => value.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  if (sorted.length === 0) return (text) => text;
  return (text) => {
    let result = text;
    for (const value of sorted) if (result.includes(value)) result = result.split(value).join(REDACTED);
    return result;
  };
}

/** Request headers safe to echo: credentials-bearing headers masked, then secret values redacted. */
export function redactHeaders(headers: Record<string, string | string[]>, redact: Redactor): Record<string, string> {
  const safe: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const text = Array.isArray(value) ? value.join(', ') : value;
    safe[name] = SENSITIVE_HEADERS.has(name.toLowerCase()) ? REDACTED : redact(text);
  }
  return safe;
}
