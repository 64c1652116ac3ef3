// Numbered migrations: migrations/NNNN_name.sql, applied in order, each recorded in
// baton_migrations. All pending migrations run in one transaction that first takes a
// transaction-scoped advisory lock, so processes starting together apply them exactly once: the
// others wait on the lock, then find them recorded.
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Db } from './db/types.ts';

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));
/** An arbitrary constant that names "Baton migrations" among advisory locks. */
const MIGRATION_LOCK = 7_253_191_044;
const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (!match) throw new Error(`migration file name "${file}" does not match NNNN_name.sql`);
    const id = Number(match[1]);
    if (id !== migrations.length + 1) throw new Error(`migration ${file}: expected number ${migrations.length + 1}`);
    migrations.push({ id, name: match[2] ?? file, sql: await readFile(`${dir}${file}`, 'utf8') });
  }
  return migrations;
}

/** Applies the migrations not yet recorded; returns the ids it applied. */
export async function migrate(db: Db, migrations?: readonly Migration[]): Promise<number[]> {
  const all = migrations ?? (await loadMigrations());
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS baton_migrations (
      id integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const rows = await tx.query<{ id: number }>('SELECT id FROM baton_migrations');
    const applied = new Set(rows.map((row) => row.id));
    const done: number[] = [];
    for (const migration of all) {
      if (applied.has(migration.id)) continue;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO baton_migrations (id, name) VALUES ($1, $2)', [migration.id, migration.name]);
      done.push(migration.id);
    }
    return done;
  });
}
