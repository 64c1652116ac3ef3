#!/usr/bin/env node
// `npm run build`: one self-contained ES module per service, for the container images.
//   dist/<service>/main.mjs        the service, with every dependency bundled
//   dist/<service>/schema/…        the official workflow schema (read at run time)
//   dist/<service>/wasm-worker.mjs jq's fallback worker (real jq in WebAssembly)
//   dist/migrations/*.sql          the database migrations (the orchestrator applies them)
// Kept outside the bundle (installed in the image's node_modules): jq-wasm, which loads its
// .wasm file from its own package folder. PGlite (embedded mode only) is never loaded by a
// service process, so it is left out. Run a service with `node dist/<service>/main.mjs`.
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const SERVICES = ['orchestrator', 'workflow-runner', 'http-worker', 'hitl-worker', 'agent-runner', 'fanout'];
const EXTERNAL = ['jq-wasm', '@electric-sql/pglite', 'pg-native'];

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist', { recursive: true });
cpSync('packages/store/migrations', 'dist/migrations', { recursive: true });

const built = [];
for (const service of SERVICES) {
  const entry = `services/${service}/src/main.ts`;
  if (!existsSync(entry)) continue;
  const out = join('dist', service);
  await build({
    entryPoints: [entry],
    outfile: join(out, 'main.mjs'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    external: EXTERNAL,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
    // Bundled CommonJS dependencies call require(); give ES modules one.
    banner: { js: "import { createRequire as __batonCreateRequire } from 'node:module'; const require = __batonCreateRequire(import.meta.url);" },
  });
  cpSync('packages/core/src/document/schema', join(out, 'schema'), { recursive: true });
  cpSync('packages/core/src/jq/wasm-worker.mjs', join(out, 'wasm-worker.mjs'));
  built.push(service);
}
process.stdout.write(`built ${built.join(', ')} into dist/\n`);
