// Finding runs by a value (GET /api/v1/runs?q=): the run whose id is the value, and runs whose input
// holds it — a string value that contains it (case-insensitive) or a number equal to it, at any
// depth (keys do not count). Inputs are json, not indexed for this: each request examines a
// bounded window, the newest SEARCH_WINDOW runs that pass the other filters below the cursor
// (inputs over SEARCH_INPUT_BYTES are skipped), and when the window ran out before the page
// filled, nextCursor continues the search below the window. The id is looked up by primary key.
import type { Page, RunListQuery, RunRecord } from '@baton/core';
import type { Queryable } from '../db/types.ts';
import { clampLimit, encodeCursor, iso } from './values.ts';
import { COLUMNS, runFilters, toRun } from './runs.ts';

/** Runs examined per request. */
export const SEARCH_WINDOW = 1000;
/** Inputs longer than this (as JSON text) are not searched. */
export const SEARCH_INPUT_BYTES = 64 * 1024;

/** A jsonpath that finds the value: strings containing it (flag q: the text, not a regex), numbers equal to it. */
export function searchPath(value: string): string {
  const text = `@.type() == "string" && @ like_regex ${JSON.stringify(value)} flag "iq"`;
  const number = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value) && Number.isFinite(Number(value)) ? ` || @ == ${value}` : '';
  return `strict $.** ? ((${text})${number})`;
}

export async function searchRuns(db: Queryable, query: RunListQuery & { search: string }): Promise<Page<RunRecord>> {
  const limit = clampLimit(query.limit);
  const params: unknown[] = [];
  const where = runFilters(query, params);
  const filtered = where.length > 0 ? `AND ${where.join(' AND ')}` : '';
  const q = `$${params.push(query.search)}`;
  // An input holding U+0000 is json that jsonb refuses: it is skipped rather than failing the query.
  const rows = await db.query(
    `WITH scanned AS MATERIALIZED (
       SELECT id, created_at, input FROM runs WHERE true ${filtered}
       ORDER BY created_at DESC, id DESC LIMIT $${params.push(SEARCH_WINDOW)}
     ), hits AS (
       SELECT id FROM scanned
       WHERE id <> ${q}
         AND CASE WHEN octet_length(input::text) > $${params.push(SEARCH_INPUT_BYTES)} OR strpos(input::text, $${params.push('\\u0000')}) > 0 THEN false
                  ELSE jsonb_path_exists(input::jsonb, $${params.push(searchPath(query.search))}::jsonpath) END
       ORDER BY created_at DESC, id DESC LIMIT $${params.push(limit + 1)}
     ), edge AS (
       SELECT (SELECT count(*) FROM scanned)::int AS scanned_count, s.created_at AS edge_created_at, s.id AS edge_id
       FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT created_at, id FROM scanned ORDER BY created_at, id LIMIT 1) AS s ON true
     )
     SELECT edge.*, r.* FROM edge LEFT JOIN LATERAL (
       SELECT ${COLUMNS} FROM runs WHERE id IN (SELECT id FROM hits)
       UNION ALL
       SELECT ${COLUMNS} FROM runs WHERE id = ${q} ${query.cursor === undefined ? filtered : 'AND false'}
     ) AS r ON true
     ORDER BY (r.id = ${q}) DESC NULLS LAST, r.created_at DESC, r.id DESC`,
    params,
  );
  const first = rows[0];
  const found = rows.filter((row) => row.id !== null && row.id !== undefined).map(toRun);
  // The run with the id comes first (first page only) and is not counted in `limit`.
  const byId = found[0]?.id === query.search ? found.slice(0, 1) : [];
  const byInput = found.slice(byId.length);
  const items = [...byId, ...byInput.slice(0, limit)];
  const lastHit = byInput[Math.min(limit, byInput.length) - 1];
  if (byInput.length > limit && lastHit) return { items, nextCursor: encodeCursor('runs', [lastHit.createdAt, lastHit.id]) };
  if (first && Number(first.scanned_count) >= SEARCH_WINDOW && first.edge_id) return { items, nextCursor: encodeCursor('runs', [iso(first.edge_created_at), first.edge_id as string]) };
  return { items };
}
