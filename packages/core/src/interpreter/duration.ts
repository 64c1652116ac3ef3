// Durations of the DSL: ISO 8601 strings (`P1DT2H`, `PT0.5S`, `P2W`) or the inline form
// `{ days, hours, minutes, seconds, milliseconds }` (dsl-reference.md, "Duration").
import type { Duration } from './document-types.ts';

const MS = { W: 604_800_000, D: 86_400_000, H: 3_600_000, M: 60_000, S: 1_000 } as const;
// Years and months have no fixed length; the DSL's inline form has neither, so we reject them
// rather than guess (a wait of "P1M" would silently mean 28, 30 or 31 days).
const ISO = /^P(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

export class DurationError extends Error {
  override readonly name = 'DurationError';
}

/**
 * The longest duration Baton accepts: 100 years. A timer's due time is stored as milliseconds in
 * a bigint; `{ days: 1e15 }` overflowed it and failed the runner's batch on every redelivery.
 */
export const MAX_DURATION_MS = 100 * 365.25 * MS.D;

/** Milliseconds of a DSL duration. Throws DurationError for an invalid one. */
export function parseDuration(duration: Duration | unknown): number {
  const ms = parseAnyLength(duration);
  if (ms > MAX_DURATION_MS) throw new DurationError(`duration ${JSON.stringify(duration)} is longer than 100 years`);
  return ms;
}

function parseAnyLength(duration: unknown): number {
  if (typeof duration === 'string') return parseIso(duration);
  if (duration !== null && typeof duration === 'object' && !Array.isArray(duration)) return parseInline(duration as Record<string, unknown>);
  throw new DurationError(`invalid duration ${JSON.stringify(duration)}: expected an ISO 8601 string or {days, hours, minutes, seconds, milliseconds}`);
}

function parseIso(text: string): number {
  const match = ISO.exec(text.trim().toUpperCase());
  if (!match || text.trim().length <= 1 || text.trim().toUpperCase().endsWith('T')) {
    throw new DurationError(`invalid ISO 8601 duration "${text}" (supported: weeks, days, hours, minutes, seconds, e.g. P1DT2H or PT0.5S)`);
  }
  const [, w, d, h, m, s] = match;
  const part = (value: string | undefined, unit: number) => (value === undefined ? 0 : Number(value.replace(',', '.')) * unit);
  return Math.round(part(w, MS.W) + part(d, MS.D) + part(h, MS.H) + part(m, MS.M) + part(s, MS.S));
}

const INLINE_UNITS: Record<string, number> = { days: MS.D, hours: MS.H, minutes: MS.M, seconds: MS.S, milliseconds: 1 };

function parseInline(value: Record<string, unknown>): number {
  let total = 0;
  let any = false;
  for (const [key, amount] of Object.entries(value)) {
    const unit = INLINE_UNITS[key];
    if (unit === undefined || typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
      throw new DurationError(`invalid duration field ${key}: ${JSON.stringify(amount)} (expected a non-negative number of days, hours, minutes, seconds or milliseconds)`);
    }
    total += amount * unit;
    any = true;
  }
  if (!any) throw new DurationError('invalid duration {}: set at least one of days, hours, minutes, seconds, milliseconds');
  return Math.round(total);
}
