// Cutoffs of the sweeps: relative to the database's clock (never this process's), or an absolute
// database time taken earlier (a repair re-sends what was handed out before it began).
export type Cutoff = { olderThanMs: number } | { before: string };

/** `column` before the cutoff, as SQL with its parameter at position `$n`. */
export function cutoffSql(column: string, cutoff: Cutoff, n: number): { sql: string; param: unknown } {
  return 'before' in cutoff
    ? { sql: `${column} < $${n}::timestamptz`, param: cutoff.before }
    : { sql: `${column} <= now() - $${n}::float8 * interval '1 millisecond'`, param: cutoff.olderThanMs };
}
