#!/usr/bin/env node
// The `baton` command's build cache: the CLI (and `baton start`'s services) bundled from the
// sources into node_modules/.cache/baton-cli, so that a command starts in plain Node instead of
// through tsx's loader (~0.35 s of CPU before the first line of Baton runs). `npm ci` and
// `npm install` build it (the `prepare` script); apps/cli/bin/baton.mjs runs it only while it is
// fresh — every source it was built from (and this script, the tsconfig and package.json files)
// still has the size and mtime recorded in its manifest, in this same checkout — and the sources
// through tsx otherwise. So an edited source is never
// run from a stale bundle: it is run through tsx until the cache is built again.
//
// Unlike the services' bundles (scripts/build.mjs, for the images), nothing is copied: only
// Baton's own modules are bundled, each `import.meta.url` is the module's source file (so the
// migrations, the workflow schema, the dashboard and the workers are read where they are), and
// every npm dependency is loaded from node_modules as the sources load it.
//
// Usage: node scripts/cli-cache.mjs [--outdir DIR] [--best-effort]
//   --best-effort: a failed build says why and exits 0 (npm's `prepare`: the command still works,
//                  through tsx, and an install must not fail for a cache).
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { CACHE_FORMAT, DEFAULT_CACHE_DIR, MANIFEST, ROOT } from '../apps/cli/bin/cache.mjs';

const ENTRY = join(ROOT, 'apps/cli/src/main.ts');

/**
 * Builds the cache into `dir` (replacing what is there) and returns how many files it was built from.
 * `dir` must be inside the checkout: the bundle finds its npm dependencies in the checkout's
 * node_modules, as Node resolves them from where the bundle is.
 */
export async function buildCliCache(dir = DEFAULT_CACHE_DIR) {
  const inside = relative(ROOT, dir);
  if (inside === '' || inside.startsWith('..') || resolve(ROOT, inside) !== dir) throw new Error(`the cache must be in a folder inside the checkout (${ROOT}), not ${dir}`);
  const { build } = await import('esbuild');
  const staging = `${dir}.${randomUUID()}.tmp`;
  try {
    const result = await build({
      absWorkingDir: ROOT,
      entryPoints: { main: ENTRY },
      outdir: staging,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      // Each command's module (main.ts loads them on use) stays a chunk of its own, loaded on use.
      splitting: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      sourcemap: 'linked',
      legalComments: 'none',
      logLevel: 'warning',
      metafile: true,
      plugins: [sourcesOnly],
    });
    const files = [...Object.keys(result.metafile.inputs).map((path) => resolve(ROOT, path)), ...buildInputs()];
    const inputs = files.map((file) => {
      const { size, mtimeMs } = statSync(file);
      return [file, size, mtimeMs];
    });
    writeFileSync(join(staging, MANIFEST), `${JSON.stringify({ format: CACHE_FORMAT, root: ROOT, node: process.versions.node, inputs })}\n`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, '..'), { recursive: true });
    renameSync(staging, dir);
    return inputs.length;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * What decides the bundle besides the modules in it, recorded with them: how it is built (this
 * script and bin/cache.mjs), how TypeScript is compiled (the tsconfig files) and where the
 * workspaces' names lead (their package.json files).
 */
function buildInputs() {
  const manifests = ['packages', 'services', 'apps'].flatMap((kind) => readdirSync(join(ROOT, kind)).map((name) => join(ROOT, kind, name, 'package.json'))).filter((file) => existsSync(file));
  return [fileURLToPath(import.meta.url), join(ROOT, 'apps/cli/bin/cache.mjs'), join(ROOT, 'package.json'), join(ROOT, 'tsconfig.json'), join(ROOT, 'tsconfig.base.json'), ...manifests];
}

/**
 * Bundles Baton's own modules (relative imports and the @baton/* workspaces) and leaves every
 * other package to node_modules; gives each bundled module its own file's URL as import.meta.url.
 * A package is left to the checkout's node_modules only where the sources find it there too: a
 * workspace with a copy of its own (a version the others do not share) fails the build.
 */
const sourcesOnly = {
  name: 'sources-only',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@baton/')) return undefined;
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      const name = args.path.split('/').slice(0, args.path.startsWith('@') ? 2 : 1).join('/');
      const [kind, workspace] = relative(ROOT, args.importer).split(sep);
      const own = ['packages', 'services', 'apps'].includes(kind) && workspace ? join(ROOT, kind, workspace, 'node_modules', name) : undefined;
      if (own && existsSync(own)) return { errors: [{ text: `${args.importer} imports ${name} from ${own}, which the cache would not find: it loads packages from ${join(ROOT, 'node_modules')}` }] };
      return { path: args.path, external: true };
    });
    b.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const source = readFileSync(args.path, 'utf8');
      const loader = args.path.endsWith('ts') ? 'ts' : 'js';
      return { loader, contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)) };
    });
  },
};

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { outdir: { type: 'string' }, 'best-effort': { type: 'boolean', default: false } } });
  const dir = values.outdir ? resolve(values.outdir) : DEFAULT_CACHE_DIR;
  const started = performance.now();
  try {
    const sources = await buildCliCache(dir);
    process.stdout.write(`baton: built the command's cache from ${sources} files into ${dir} in ${Math.round(performance.now() - started)} ms\n`);
  } catch (error) {
    process.stderr.write(`baton: the command's cache was not built (${error instanceof Error ? error.message : String(error)}); \`baton\` runs its sources through tsx instead\n`);
    if (!values['best-effort']) process.exitCode = 1;
  }
}
