// BATON_PGLITE_TEMPLATE (db/pglite.ts): a new embedded database starts from a tarball of a new
// data folder instead of running initdb; an existing database never does.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStore, writePgliteTemplate } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'baton-pglite-template-test-'));
const template = join(dir, 'template.tar');
const before = process.env.BATON_PGLITE_TEMPLATE;

beforeAll(async () => {
  await writePgliteTemplate(template);
}, 60_000);
afterEach(() => {
  if (before === undefined) delete process.env.BATON_PGLITE_TEMPLATE;
  else process.env.BATON_PGLITE_TEMPLATE = before;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const definitionNamed = (name: string) => ({
  namespace: 'default',
  name,
  version: '1.0.0',
  document: { document: { dsl: '1.0.0', namespace: 'default', name, version: '1.0.0' }, do: [] },
  source: name,
  contentHash: name,
});

describe('PGlite template', () => {
  it('is a new database: an in-memory store opened from it migrates from nothing and works', async () => {
    expect(statSync(template).size).toBeGreaterThan(1_000_000);
    process.env.BATON_PGLITE_TEMPLATE = template;
    const store = await createStore({ kind: 'pglite' });
    try {
      // No Baton table yet: the template is what initdb makes, nothing more.
      expect(await store.db.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`)).toEqual([{ n: 0 }]);
      await store.migrate();
      const { definition } = await store.putDefinition(definitionNamed('hello'));
      expect((await store.getDefinition('default', 'hello', '1.0.0'))?.id).toBe(definition.id);
    } finally {
      await store.close();
    }
  });

  it('starts a new data folder, which then opens as itself (the template is not loaded over it)', async () => {
    process.env.BATON_PGLITE_TEMPLATE = template;
    const dataDir = join(dir, 'data');
    const first = await createStore({ kind: 'pglite', dataDir });
    await first.migrate();
    await first.putDefinition(definitionNamed('kept'));
    await first.close();
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
    const second = await createStore({ kind: 'pglite', dataDir });
    try {
      expect((await second.getDefinition('default', 'kept', '1.0.0'))?.name).toBe('kept');
    } finally {
      await second.close();
    }
  });

  it('is what a new database starts from (a template with a table in it gives a database with that table)', async () => {
    const marked = join(dir, 'marked.tar');
    const source = await PGlite.create();
    await source.exec(`CREATE TABLE template_marker (note text); INSERT INTO template_marker VALUES ('from the template')`);
    await writeFile(marked, new Uint8Array(await (await source.dumpDataDir('none')).arrayBuffer()));
    await source.close();
    process.env.BATON_PGLITE_TEMPLATE = marked;
    const store = await createStore({ kind: 'pglite' });
    try {
      expect(await store.db.query('SELECT note FROM template_marker')).toEqual([{ note: 'from the template' }]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('refuses a template it cannot read, naming the variable and the file', async () => {
    process.env.BATON_PGLITE_TEMPLATE = join(dir, 'missing.tar');
    await expect(createStore({ kind: 'pglite' })).rejects.toThrow(/BATON_PGLITE_TEMPLATE names .*missing\.tar, which cannot be read/);
  });

  it('initialises a database as before when the variable is empty', async () => {
    process.env.BATON_PGLITE_TEMPLATE = '';
    const store = await createStore({ kind: 'pglite' });
    try {
      await store.migrate();
    } finally {
      await store.close();
    }
  });
});
