// Once per `vitest run`:
// - the services' bundles (scripts/build.mjs, what the images run), which every cluster a test
//   starts runs instead of the TypeScript sources through tsx — a service is ready in about a
//   quarter of the time (startCluster, BATON_SERVICE_BUNDLES). Set BATON_SERVICE_BUNDLES yourself
//   to use bundles of your own, or to "sources" to run through tsx;
// - a new embedded database as a tarball (BATON_PGLITE_TEMPLATE): every PGlite database a test
//   opens new (in memory, or a new data folder — in this process, its workers and the `baton`
//   processes they start) starts from it instead of running initdb, about 1.4 s of CPU less per
//   database, and the suite opens hundreds. Set BATON_PGLITE_TEMPLATE to "" to initdb each time;
// - the `baton` command's build cache (scripts/cli-cache.mjs; `npm ci` builds it too), rebuilt from
//   the sources as they are now, so that every `baton` process a test starts runs them without
//   tsx's loader (bin/cache.mjs). Set BATON_CLI_SOURCES=1 to run them through tsx instead.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServiceBundles, refreshCliCache } from '@baton/testkit';
import { writePgliteTemplate } from '@baton/store';

export default async function setup(): Promise<() => void> {
  const [bundles, template] = await Promise.all([serviceBundles(), pgliteTemplate(), refreshCliCache()]);
  return () => {
    bundles?.();
    template?.();
  };
}

async function serviceBundles(): Promise<(() => void) | undefined> {
  if (process.env.BATON_SERVICE_BUNDLES === 'sources') {
    delete process.env.BATON_SERVICE_BUNDLES;
    return undefined;
  }
  if (process.env.BATON_SERVICE_BUNDLES) return undefined;
  const bundles = await buildServiceBundles();
  process.env.BATON_SERVICE_BUNDLES = bundles.dir;
  return () => bundles.remove();
}

async function pgliteTemplate(): Promise<(() => void) | undefined> {
  if (process.env.BATON_PGLITE_TEMPLATE !== undefined) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'baton-pglite-template-'));
  const file = join(dir, 'template.tar');
  await writePgliteTemplate(file);
  process.env.BATON_PGLITE_TEMPLATE = file;
  return () => rmSync(dir, { recursive: true, force: true });
}
