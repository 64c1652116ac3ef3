// Once per `vitest run`: the services' bundles (scripts/build.mjs, what the images run), which
// every cluster a test starts runs instead of the TypeScript sources through tsx — a service is
// ready in about a quarter of the time (startCluster, BATON_SERVICE_BUNDLES). Set
// BATON_SERVICE_BUNDLES yourself to use bundles of your own, or to "sources" to run through tsx.
import { buildServiceBundles } from '@baton/testkit';

export default async function setup(): Promise<(() => void) | undefined> {
  if (process.env.BATON_SERVICE_BUNDLES === 'sources') {
    delete process.env.BATON_SERVICE_BUNDLES;
    return undefined;
  }
  if (process.env.BATON_SERVICE_BUNDLES) return undefined;
  const bundles = await buildServiceBundles();
  process.env.BATON_SERVICE_BUNDLES = bundles.dir;
  return () => bundles.remove();
}
