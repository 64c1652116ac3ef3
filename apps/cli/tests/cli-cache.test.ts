// The `baton` command's build cache (scripts/cli-cache.mjs, bin/cache.mjs): run only while fresh.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCliCache } from '@baton/testkit';
import { scratchDir } from '@baton/testkit/scratch';
import { CACHE_FORMAT, MANIFEST, ROOT, freshCache } from '../bin/cache.mjs';
import { baton } from './baton-process.ts';

type Manifest = { format: number; root: string; node: string; inputs: [string, number, number][] };

// Inside the checkout, where a cache finds the npm packages it loads (its git-ignored tmp/).
mkdirSync(join(ROOT, 'tmp'), { recursive: true });
const parent = mkdtempSync(join(ROOT, 'tmp', 'cli-cache-'));
const dir = join(parent, 'cache');
let built: Manifest;

beforeAll(async () => {
  await buildCliCache(dir);
  built = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Manifest;
}, 60_000);
afterAll(() => rmSync(parent, { recursive: true, force: true }));

/** Writes the cache's manifest as `change` makes it, and returns what freshCache says of it. */
function freshWith(change: (m: Manifest) => Manifest): string | undefined {
  writeFileSync(join(dir, MANIFEST), JSON.stringify(change(structuredClone(built))));
  try {
    return freshCache(dir);
  } finally {
    writeFileSync(join(dir, MANIFEST), JSON.stringify(built));
  }
}

describe("the command's build cache", () => {
  it('records every source it bundled, in this checkout, and is fresh while they are unchanged', () => {
    expect(built).toMatchObject({ format: CACHE_FORMAT, root: ROOT, node: process.versions.node });
    const files = built.inputs.map(([file]) => file);
    expect(files).toContain(join(ROOT, 'apps/cli/src/main.ts'));
    expect(files).toContain(join(ROOT, 'packages/engine/src/apply.ts'));
    // and what decides how they are bundled
    for (const other of ['scripts/cli-cache.mjs', 'apps/cli/bin/cache.mjs', 'tsconfig.base.json', 'packages/engine/package.json']) expect(files).toContain(join(ROOT, other));
    expect(files.some((f) => f.includes('/node_modules/'))).toBe(false);
    expect(freshCache(dir)).toBe(`file://${join(dir, 'main.mjs')}`);
  });

  it('is stale once a source changed size or mtime, is gone, or the checkout, Node or format differ', () => {
    const at = built.inputs.findIndex(([file]) => file.endsWith('apps/cli/src/main.ts'));
    const edit = (i: 1 | 2) => (m: Manifest) => ({ ...m, inputs: m.inputs.map((input, n) => (n === at ? (input.map((v, k) => (k === i ? Number(v) + 1 : v)) as Manifest['inputs'][number]) : input)) });
    expect(freshWith(edit(1))).toBeUndefined();
    expect(freshWith(edit(2))).toBeUndefined();
    expect(freshWith((m) => ({ ...m, inputs: [...m.inputs, [join(ROOT, 'apps/cli/src/gone.ts'), 1, 1]] }))).toBeUndefined();
    expect(freshWith((m) => ({ ...m, root: `${ROOT}-copy` }))).toBeUndefined();
    expect(freshWith((m) => ({ ...m, node: '0.0.0' }))).toBeUndefined();
    expect(freshWith((m) => ({ ...m, format: CACHE_FORMAT + 1 }))).toBeUndefined();
    rmSync(join(dir, MANIFEST));
    try {
      expect(freshCache(dir)).toBeUndefined();
    } finally {
      writeFileSync(join(dir, MANIFEST), JSON.stringify(built));
    }
    expect(freshCache(dir)).toBeDefined();
  });

  it('runs the command: its own files found where the sources are, its commands loaded on use', async () => {
    const script = `const { main } = await import(${JSON.stringify(freshCache(dir))}); process.exitCode = await main(process.argv.slice(1));`;
    const run = (...args: string[]) => promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, '--', ...args], { cwd: parent, env: { ...process.env, NO_COLOR: '1' } });
    expect((await run('--version')).stdout).toBe(`baton ${(JSON.parse(readFileSync(join(ROOT, 'apps/cli/package.json'), 'utf8')) as { version: string }).version}\n`);
    // validate reads the official schema by its module's URL (packages/core/src/document/schema.ts).
    const file = join(parent, 'bad.yaml');
    writeFileSync(file, 'document: { dsl: 1.0.0, namespace: x, name: y, version: 1.0.0 }\ndo: 5\n');
    const refused = await run('validate', file).then(() => undefined, (error: { code: number; stdout: string }) => error);
    expect(refused?.code).toBe(1);
    expect(refused?.stdout).toBe(`${file}:2:1 /do must be an array\n`);
  });

  it('is refused outside the checkout, where it would not find its packages', async () => {
    await expect(buildCliCache(join(scratchDir('baton-cli-cache-'), 'cache'))).rejects.toThrow(/must be in a folder inside the checkout/);
  });
});

describe('bin/baton.mjs', () => {
  it('runs from the checkout\'s cache, which the test run built from the sources as they are', () => {
    expect(freshCache()).toBeDefined();
  });

  it('runs the sources through tsx with BATON_CLI_SOURCES=1', async () => {
    const result = await baton(['jq', '.a + 1'], { env: { BATON_CLI_SOURCES: '1' }, stdin: '{"a": 41}\n' });
    expect(result).toMatchObject({ code: 0, stdout: '42\n' });
  });
});
