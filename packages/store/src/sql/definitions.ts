// workflow_definitions: immutable (namespace, name, version) documents.
import semver from 'semver';
import { uuidv7 } from '@baton/core';
import type { DefinitionPick, DefinitionRecord, DefinitionSummary, NewDefinition, Page } from '@baton/core';
import type { Queryable, Row } from '../db/types.ts';
import { clampLimit, decodeCursor, encodeCursor, fromJson, iso } from './values.ts';

const SUMMARY_COLUMNS = 'id, namespace, name, version, content_hash, created_at';
const COLUMNS = `${SUMMARY_COLUMNS}, document, source`;

function toSummary(row: Row): DefinitionSummary {
  return {
    id: row.id as string,
    namespace: row.namespace as string,
    name: row.name as string,
    version: row.version as string,
    contentHash: row.content_hash as string,
    createdAt: iso(row.created_at),
  };
}

function toRecord(row: Row): DefinitionRecord {
  return { ...toSummary(row), document: fromJson(row.document), source: row.source as string };
}

export type PutOutcome = 'created' | 'unchanged' | 'conflict';

/** Race-safe: the insert either wins or yields to the row that did; then we compare hashes. */
export async function putDefinition(db: Queryable, def: NewDefinition): Promise<{ outcome: PutOutcome; definition: DefinitionRecord }> {
  const inserted = await db.query(
    `INSERT INTO workflow_definitions (id, namespace, name, version, document, source, content_hash)
     VALUES ($1, $2, $3, $4, $5::text::json, $6, $7)
     ON CONFLICT (namespace, name, version) DO NOTHING
     RETURNING ${COLUMNS}`,
    [uuidv7(), def.namespace, def.name, def.version, JSON.stringify(def.document), def.source, def.contentHash],
  );
  if (inserted[0]) return { outcome: 'created', definition: toRecord(inserted[0]) };
  const existing = await getDefinitionVersion(db, def.namespace, def.name, def.version);
  if (!existing) throw new Error(`definition ${def.namespace}/${def.name}@${def.version} vanished after a conflict`);
  return { outcome: existing.contentHash === def.contentHash ? 'unchanged' : 'conflict', definition: existing };
}

export async function getDefinitionVersion(db: Queryable, namespace: string, name: string, version: string): Promise<DefinitionRecord | undefined> {
  const rows = await db.query(
    `SELECT ${COLUMNS} FROM workflow_definitions WHERE namespace = $1 AND name = $2 AND version = $3`,
    [namespace, name, version],
  );
  return rows[0] ? toRecord(rows[0]) : undefined;
}

/** Highest semantic version first; versions that are not semver sort below all that are. */
export function compareVersionsDesc(a: string, b: string): number {
  const va = semver.valid(a);
  const vb = semver.valid(b);
  if (va && vb) return semver.rcompare(va, vb);
  if (va) return -1;
  if (vb) return 1;
  return b.localeCompare(a);
}

/**
 * A fingerprint of the versions a lookup chooses among — the name's versions, or the one asked
 * for — with the parameters ($n, $n+1, $n+2) namespace, name and version (null: every version).
 * The same text in findDefinition and in createPickedRun's guard, so that they agree.
 */
export const versionsFingerprint = (n: number) =>
  `(SELECT md5(string_agg(id, ',' ORDER BY id COLLATE "C")) FROM workflow_definitions
    WHERE namespace = $${n} AND name = $${n + 1} AND ($${n + 2}::text IS NULL OR version = $${n + 2}))`;

/**
 * What a run is created from — id, name, version, no document — in one query: the version asked
 * for, or without one the highest semantic version (getDefinition reads the document too). With
 * the pick's fingerprint of the versions it chose among (DefinitionPick, store.createPickedRun).
 */
export async function findDefinition(db: Queryable, namespace: string, name: string, version?: string): Promise<DefinitionPick | undefined> {
  const rows = await db.query(
    `SELECT ${SUMMARY_COLUMNS}, ${versionsFingerprint(1)} AS versions FROM workflow_definitions
     WHERE namespace = $1 AND name = $2 AND ($3::text IS NULL OR version = $3)`,
    [namespace, name, version ?? null],
  );
  const best = rows.sort((a, b) => compareVersionsDesc(a.version as string, b.version as string))[0];
  return best && { ...toSummary(best), latest: version === undefined, versions: best.versions as string };
}

/** The id and version of the highest semantic version of a workflow. */
export async function latestVersion(db: Queryable, namespace: string, name: string): Promise<{ id: string; version: string } | undefined> {
  const latest = await findDefinition(db, namespace, name);
  return latest && { id: latest.id, version: latest.version };
}

export async function getLatestDefinition(db: Queryable, namespace: string, name: string): Promise<DefinitionRecord | undefined> {
  const latest = await latestVersion(db, namespace, name);
  return latest ? getDefinitionById(db, latest.id) : undefined;
}

export async function getDefinitionById(db: Queryable, id: string): Promise<DefinitionRecord | undefined> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM workflow_definitions WHERE id = $1`, [id]);
  return rows[0] ? toRecord(rows[0]) : undefined;
}

/** Ordered by (namespace, name, id): alphabetical, versions of one name in registration order. */
export async function listDefinitions(
  db: Queryable,
  query: { namespace?: string; name?: string; limit: number; cursor?: string },
): Promise<Page<DefinitionSummary>> {
  const limit = clampLimit(query.limit);
  const params: unknown[] = [];
  const where: string[] = [];
  if (query.namespace !== undefined) where.push(`namespace = $${params.push(query.namespace)}`);
  if (query.name !== undefined) where.push(`name = $${params.push(query.name)}`);
  if (query.cursor !== undefined) {
    const [ns, name, id] = decodeCursor('definitions', query.cursor, ['string', 'string', 'string']);
    where.push(`(namespace, name, id) > ($${params.push(ns)}, $${params.push(name)}, $${params.push(id)})`);
  }
  const rows = await db.query(
    `SELECT ${SUMMARY_COLUMNS} FROM workflow_definitions
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY namespace, name, id
     LIMIT $${params.push(limit + 1)}`,
    params,
  );
  const items = rows.slice(0, limit).map(toSummary);
  const last = items[items.length - 1];
  return rows.length > limit && last
    ? { items, nextCursor: encodeCursor('definitions', [last.namespace, last.name, last.id]) }
    : { items };
}
