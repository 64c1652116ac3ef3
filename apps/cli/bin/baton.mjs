#!/usr/bin/env node
// The `baton` command. Sources are TypeScript: a clone works straight after `npm ci` with no
// build step. They run from the command's build cache when it is fresh (bin/cache.mjs; `npm ci`
// builds it, scripts/cli-cache.mjs), and through tsx's loader otherwise — or when
// BATON_CLI_SOURCES=1 asks for the sources.
import { freshCache, sourcesAsked } from './cache.mjs';

const cached = sourcesAsked() ? undefined : freshCache();
let main;
if (cached) {
  // Stack traces name the TypeScript sources, as under tsx.
  process.setSourceMapsEnabled(true);
  ({ main } = await import(cached));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
