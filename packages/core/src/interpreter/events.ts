// Matching CloudEvents against listen filters (dsl-reference.md, "Event Filter", "Correlation").
// The runtime calls matchEvent to route a posted event to waiting listens; the interpreter calls
// it again, with the correlation keys it has recorded, to decide what a listen consumes.
import { compileField, evalExpr, isExpression } from './expressions.ts';
import type { CloudEvent, EventFilter } from './types.ts';

export interface MatchOptions {
  /** Correlation values already established by earlier events (first value wins). */
  correlation?: Record<string, unknown>;
  jqTimeoutMs?: number;
}

const regexCache = new Map<string, RegExp | null>();

/**
 * True when the event has every attribute of `filter.with`: equal values, a string matching as a
 * regular expression, `${ }` conditions (for `data`, evaluated on the event data; otherwise on
 * the attribute), object values matched as subsets. Correlations compare `from` (evaluated on the
 * event) with `expect` or with the recorded value.
 */
export function matchEvent(filter: EventFilter, event: CloudEvent, options: MatchOptions = {}): boolean {
  for (const [key, expected] of Object.entries(filter.with ?? {})) {
    if (!attributeMatches(key, expected, event, options)) return false;
  }
  for (const [key, correlation] of Object.entries(filter.correlate ?? {})) {
    const expected = correlation.expect !== undefined ? correlation.expect : options.correlation?.[key];
    if (expected === undefined) continue;
    if (!sameJson(correlationValue(correlation.from, event, options), expected)) return false;
  }
  return true;
}

/** The values a filter's correlations extract from an event. */
export function correlationValues(filter: EventFilter, event: CloudEvent, options: MatchOptions = {}): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, correlation] of Object.entries(filter.correlate ?? {})) values[key] = correlationValue(correlation.from, event, options);
  return values;
}

function correlationValue(from: string, event: CloudEvent, options: MatchOptions): unknown {
  return evalExpr(compileField(from), event, () => undefined, { instance: '', ...(options.jqTimeoutMs ? { timeoutMs: options.jqTimeoutMs } : {}) });
}

function attributeMatches(key: string, expected: unknown, event: CloudEvent, options: MatchOptions): boolean {
  const actual = event[key];
  if (isExpression(expected)) {
    try {
      const value = evalExpr(compileField(expected), actual ?? null, (name) => (name === 'event' ? event : undefined), { instance: '', ...(options.jqTimeoutMs ? { timeoutMs: options.jqTimeoutMs } : {}) });
      return value !== false && value !== null;
    } catch {
      return false; // an event the condition cannot even be evaluated on does not match
    }
  }
  return valueMatches(expected, actual);
}

function valueMatches(expected: unknown, actual: unknown): boolean {
  if (typeof expected === 'string') return actual === expected || (typeof actual === 'string' && regexOf(expected)?.test(actual) === true);
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') return false;
    if (Array.isArray(expected)) return sameJson(expected, actual);
    return Object.entries(expected).every(([k, v]) => valueMatches(v, (actual as Record<string, unknown>)[k]));
  }
  return actual === expected;
}

function regexOf(pattern: string): RegExp | null {
  let regex = regexCache.get(pattern);
  if (regex === undefined) {
    try {
      regex = new RegExp(`^(?:${pattern})$`);
    } catch {
      regex = null;
    }
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(pattern, regex);
  }
  return regex;
}

function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
