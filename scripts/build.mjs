#!/usr/bin/env node
// `npm run build`: one self-contained ES module per service, for the container images.
//   <out>/<service>/main.mjs        the service, with every dependency bundled
//   <out>/<service>/schema/…        the official workflow schema (read at run time)
//   <out>/<service>/wasm-worker.mjs jq's fallback worker (real jq in WebAssembly)
//   <out>/orchestrator/web/…        the dashboard (apps/web)
//   <out>/orchestrator/web/vendor/… its browser libraries from npm (apps/web/vendor.json)
//   <out>/migrations/*.sql          the database migrations (the orchestrator applies them)
//   <out>/package.json              what must be in node_modules at run time (exact versions)
// Kept outside the bundle (installed in the image's node_modules): jq-wasm, which loads its
// .wasm file from its own package folder. PGlite (embedded mode only) is never used by a service
// process; the store imports its adapter statically, so the bundles get a stand-in for the adapter
// that says so if it is ever called (shipping PGlite would add ≈ 20 MB to every image; its
// thread's file, db/pglite-worker.mjs, is not copied either), and a build that would bundle
// PGlite through another import fails. pg-native stays external: pg
// requires it only when asked for its native binding, which Baton never does.
// Run a service with `node <out>/<service>/main.mjs`.
//
// Usage: node scripts/build.mjs [--outdir DIR] [--no-sourcemap]   (default DIR: dist)
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SERVICES = ['orchestrator', 'workflow-runner', 'http-worker', 'hitl-worker', 'agent-runner', 'fanout'];
/** Needed at run time, installed next to the bundles (see <out>/package.json). */
const RUNTIME_DEPENDENCIES = ['jq-wasm'];
/** Required lazily by pg, never by Baton: left out of the bundles and the images. */
const NOT_SHIPPED = ['pg-native'];

/** The embedded database's adapter, replaced in the bundles by a stand-in that refuses to start. */
const PGLITE_ADAPTER = join(ROOT, 'packages/store/src/db/pglite.ts');
const embeddedOnly = {
  name: 'embedded-only',
  setup(b) {
    b.onResolve({ filter: /[\\/]pglite\.ts$/ }, (args) => (resolve(args.resolveDir, args.path) === PGLITE_ADAPTER ? { path: args.path, namespace: 'embedded-only' } : undefined));
    b.onResolve({ filter: /^@electric-sql\/pglite(\/|$)/ }, (args) => ({
      errors: [{ text: `${args.path} (imported by ${args.importer}) must not be bundled: PGlite is for embedded mode only, and only packages/store/src/db/pglite.ts may import it` }],
    }));
    b.onLoad({ filter: /.*/, namespace: 'embedded-only' }, () => ({
      loader: 'js',
      // The names the store imports from its PGlite adapter (packages/store/src/index.ts).
      contents: `const embeddedOnly = () => new Error('PGlite (embedded mode) is not part of the service bundles: set DB_HOST (and DB_PORT DB_USER DB_PASSWORD DB_NAME) to use PostgreSQL');
      export async function openPglite() {
        throw embeddedOnly();
      }
      export async function writePgliteTemplate() {
        throw embeddedOnly();
      }`,
    }));
  },
};

const { values } = parseArgs({ options: { outdir: { type: 'string', default: 'dist' }, 'no-sourcemap': { type: 'boolean', default: false } } });
const outdir = resolve(ROOT, values.outdir);
const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
cpSync(join(ROOT, 'packages/store/migrations'), join(outdir, 'migrations'), { recursive: true });
writeFileSync(join(outdir, 'package.json'), `${JSON.stringify(runtimeManifest(), null, 2)}\n`);

const built = [];
for (const service of SERVICES) {
  const entry = join(ROOT, `services/${service}/src/main.ts`);
  if (!existsSync(entry)) continue;
  const out = join(outdir, service);
  await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    outfile: join(out, 'main.mjs'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    external: [...RUNTIME_DEPENDENCIES, ...NOT_SHIPPED],
    plugins: [embeddedOnly],
    sourcemap: values['no-sourcemap'] ? false : 'linked',
    legalComments: 'none',
    logLevel: 'warning',
    // Bundled CommonJS dependencies call require(); give ES modules one.
    banner: { js: "import { createRequire as __batonCreateRequire } from 'node:module'; const require = __batonCreateRequire(import.meta.url);" },
  });
  cpSync(join(ROOT, 'packages/core/src/document/schema'), join(out, 'schema'), { recursive: true });
  cpSync(join(ROOT, 'packages/core/src/jq/wasm-worker.mjs'), join(out, 'wasm-worker.mjs'));
  // The dashboard's static files (services/orchestrator/src/routes/dashboard.ts finds them here).
  if (service === 'orchestrator') {
    cpSync(join(ROOT, 'apps/web'), join(out, 'web'), { recursive: true, filter: (path) => !path.endsWith('README.md') });
    copyVendorFiles(join(out, 'web', 'vendor'));
  }
  built.push(service);
}
process.stdout.write(`built ${built.join(', ')} into ${outdir}\n`);

/** The dashboard's browser libraries (apps/web/vendor.json: file → file in node_modules), copied beside it. */
function copyVendorFiles(dir) {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'apps/web/vendor.json'), 'utf8'));
  const require = createRequire(join(ROOT, 'package.json'));
  mkdirSync(dir, { recursive: true });
  for (const [file, target] of Object.entries(manifest)) cpSync(require.resolve(target), join(dir, file));
}

/** The run-time dependencies with the exact versions of the root package.json (the lockfile's). */
function runtimeManifest() {
  const dependencies = {};
  for (const name of RUNTIME_DEPENDENCIES) {
    const version = rootPackage.dependencies?.[name];
    if (!version) throw new Error(`${name} is a run-time dependency of the bundles but not a dependency in package.json`);
    dependencies[name] = version;
  }
  return { name: 'baton-services', version: rootPackage.version, private: true, type: 'module', dependencies };
}
