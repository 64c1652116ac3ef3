// listens: runs waiting for CloudEvents. event_types holds the types the filters require so that
// an incoming event only loads the listens it may match (NULL = some filter accepts any type).
import type { EventFilter, ListenRecord } from '@baton/core';
import type { Queryable, Row } from '../db/types.ts';
import { jsonArray, jsonList } from './values.ts';

function toListen(row: Row): ListenRecord {
  return {
    id: row.id as string,
    runId: row.run_id as string,
    listenId: row.listen_id as string,
    filters: JSON.parse(row.filters as string) as EventFilter[],
  };
}

/**
 * A type that a text column cannot hold (U+0000, unpaired surrogates). Such a listen is stored
 * without the prefilter (event_types NULL: its filters decide), and an event of such a type can
 * only meet those listens — instead of a database error that failed the runner's whole batch
 * over and over and left the run pending for good.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const unstorableType = (type: string) => type.includes('\u0000') || LONE_SURROGATE.test(type);

/** The types an event must have to match one of `filters`; undefined when any type may match. */
export function requiredEventTypes(filters: readonly EventFilter[]): string[] | undefined {
  const types = new Set<string>();
  for (const filter of filters) {
    const type = filter.with?.type;
    if (typeof type !== 'string' || unstorableType(type)) return undefined;
    types.add(type);
  }
  return types.size > 0 ? [...types].sort() : undefined;
}

export async function insertListens(db: Queryable, listens: readonly ListenRecord[]): Promise<void> {
  if (listens.length === 0) return;
  // A text[] column cannot be built from unnest of a 2-D array (ragged); the types travel as JSON.
  await db.write(
    `INSERT INTO listens (id, run_id, listen_id, filters, event_types)
     SELECT u.id, u.run_id, u.listen_id, u.filters,
            CASE WHEN u.types IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(u.types)) END
     FROM unnest($1::text[], $2::text[], $3::text[], ${jsonArray('$4')}, ${jsonArray('$5', 'jsonb')}) AS u(id, run_id, listen_id, filters, types)`,
    [
      listens.map((l) => l.id),
      listens.map((l) => l.runId),
      listens.map((l) => l.listenId),
      jsonList(listens, (l) => l.filters),
      jsonList(listens, (l) => requiredEventTypes(l.filters)),
    ],
  );
}

export async function deleteListens(db: Queryable, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.write('DELETE FROM listens WHERE id = ANY($1::text[])', [ids]);
}

export async function deleteListensOfRuns(db: Queryable, runIds: readonly string[]): Promise<void> {
  if (runIds.length === 0) return;
  await db.write('DELETE FROM listens WHERE run_id = ANY($1::text[])', [runIds]);
}

/** Listens that may match an event of `type`; with `namespace`, only those of runs in it. */
export async function listensForType(db: Queryable, type: string, namespace?: string): Promise<ListenRecord[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  if (unstorableType(type)) where.push('l.event_types IS NULL');
  else {
    params.push(type);
    where.push(`(l.event_types IS NULL OR l.event_types @> ARRAY[$${params.length}::text])`);
  }
  if (namespace !== undefined) {
    params.push(namespace);
    where.push(`EXISTS (SELECT 1 FROM runs r WHERE r.id = l.run_id AND r.namespace = $${params.length})`);
  }
  const rows = await db.query(
    `SELECT l.id, l.run_id, l.listen_id, l.filters FROM listens l WHERE ${where.join(' AND ')} ORDER BY l.created_at, l.id`,
    params,
  );
  return rows.map(toListen);
}
