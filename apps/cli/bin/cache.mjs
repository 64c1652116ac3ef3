// The `baton` command's build cache (scripts/cli-cache.mjs builds it): where it is, and whether
// it may run. Plain JavaScript, loaded before anything else: it decides whether tsx is needed.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The checkout's root (this file is apps/cli/bin/cache.mjs). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
export const DEFAULT_CACHE_DIR = join(ROOT, 'node_modules/.cache/baton-cli');
export const MANIFEST = 'manifest.json';
/** Changes when what the cache holds or how it is built changes: an older cache is not run. */
export const CACHE_FORMAT = 1;

/** BATON_CLI_SOURCES=1: every `baton` runs the sources through tsx, whatever the cache holds. */
export function sourcesAsked(env = process.env) {
  return env.BATON_CLI_SOURCES === '1';
}

/**
 * The URL of the cached bundle's entry, when it was built by this checkout, for this Node, from
 * sources that all still have the size and mtime they had then; otherwise undefined (no cache, a
 * source edited, added to the bundle's imports or removed, the checkout copied or moved).
 */
export function freshCache(dir = DEFAULT_CACHE_DIR) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8'));
  } catch {
    return undefined;
  }
  if (manifest?.format !== CACHE_FORMAT || manifest.root !== ROOT || manifest.node !== process.versions.node || !Array.isArray(manifest.inputs)) return undefined;
  for (const [file, size, mtimeMs] of manifest.inputs) {
    const now = statSync(file, { throwIfNoEntry: false });
    if (now === undefined || now.size !== size || now.mtimeMs !== mtimeMs) return undefined;
  }
  return pathToFileURL(join(dir, 'main.mjs')).href;
}
