// Durations for `wait`: the API takes ISO 8601 (PT30S); callers may also pass milliseconds.

/** An ISO 8601 duration in seconds, e.g. 1500 → "PT1.5S". */
export function isoDurationFromMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`a duration must be a non-negative number of milliseconds, got ${ms}`);
  return `PT${Number((ms / 1000).toFixed(3))}S`;
}

const UNIT_MS = { W: 604_800_000, D: 86_400_000, H: 3_600_000, M: 60_000, S: 1_000 } as const;
const ISO = /^P(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;
const SHORT = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const SHORT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Milliseconds of a duration written as ISO 8601 (PT30S, PT1M30S, P1D) or as a short form
 * (500ms, 30s, 5m, 1h, 1d); undefined when the text is neither.
 */
export function parseDuration(text: string): number | undefined {
  const value = text.trim();
  const short = SHORT.exec(value.toLowerCase());
  if (short) return Math.round(Number(short[1]) * (SHORT_MS[short[2]!] ?? Number.NaN));
  const upper = value.toUpperCase();
  const iso = ISO.exec(upper);
  if (!iso || upper === 'P' || upper.endsWith('T')) return undefined;
  const [, w, d, h, m, s] = iso;
  const part = (n: string | undefined, unit: number) => (n === undefined ? 0 : Number(n.replace(',', '.')) * unit);
  return Math.round(part(w, UNIT_MS.W) + part(d, UNIT_MS.D) + part(h, UNIT_MS.H) + part(m, UNIT_MS.M) + part(s, UNIT_MS.S));
}
