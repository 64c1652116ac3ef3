// `npm run bench [-- scenario…]`: runs the benchmarks (not tests) against the machine's real
// PostgreSQL and Redis and prints one JSON document per scenario. Without arguments: all
// runtime scenarios. Micro-benchmarks (jq, store, bus) run with `npx tsx bench/<name>.ts`.
//
// Services run as the images run them (deploy/Dockerfile): each from its bundle of
// scripts/build.mjs, built once here into tmp/ — not the TypeScript sources through tsx, whose
// transform (keepNames) costs every process CPU the images do not pay. BATON_SERVICE_BUNDLES=sources
// runs the sources through tsx; a folder, the bundles in it. `baton start` (embedded) is what
// `npm start` runs: the sources through tsx.
//
// The services log at LOG_LEVEL, `info` unless set: the level the deployments ship with
// (DEPLOYMENT.md), so that what logging costs is in the figures as a user would see it.
import { buildServiceBundles, refreshCliCache } from '@baton/testkit';
import { watchMachine } from './lib.ts';

const scenarios: Record<string, () => Promise<unknown>> = {
  runtime: async () => (await import('./runtime.ts')).benchRuntime(),
  approvals: async () => (await import('./approvals.ts')).benchApprovals(),
  fanout: async () => (await import('./fanout.ts')).benchFanout(),
  agents: async () => (await import('./agents.ts')).benchAgents(),
  schedules: async () => (await import('./schedules.ts')).benchSchedules(),
  concurrency: async () => (await import('./concurrency.ts')).benchConcurrency(),
  'rate-limits': async () => (await import('./rate-limits.ts')).benchRateLimits(),
  peer: async () => (await import('./peer.ts')).benchPeer(),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : Object.keys(scenarios);
const unknown = names.find((name) => !scenarios[name]);
if (unknown !== undefined) {
  process.stderr.write(`unknown scenario '${unknown}'; known: ${Object.keys(scenarios).join(', ')}\n`);
  process.exit(2);
}
process.env.LOG_LEVEL ??= 'info';
const services = await serviceBundles();
const baton = await batonCommand();
try {
  for (const name of names) {
    const watching = watchMachine();
    const result = await scenarios[name]!();
    process.stdout.write(`${JSON.stringify({ scenario: name, servicesFrom: services.runs, batonFrom: baton, ...(result as object), machineDuring: watching() }, null, 2)}\n`);
  }
} finally {
  services.remove();
}
process.exit(0);

/**
 * What `baton start` (the embedded deployment) runs, and what `batonFrom` reports: the command's
 * bundle built again from the sources as they are (scripts/cli-cache.mjs, what `npm ci` builds),
 * or with BATON_CLI_SOURCES=1 the sources through tsx.
 */
async function batonCommand(): Promise<string> {
  return (await refreshCliCache()) ? "the baton command's bundle (scripts/cli-cache.mjs, as `npm ci` builds it)" : 'the TypeScript sources through tsx';
}

/** The bundles every cluster of this run starts (BATON_SERVICE_BUNDLES), and what `servicesFrom` reports. */
async function serviceBundles(): Promise<{ runs: string; remove: () => void }> {
  if (process.env.BATON_SERVICE_BUNDLES === 'sources') {
    delete process.env.BATON_SERVICE_BUNDLES;
    return { runs: 'the TypeScript sources through tsx', remove: () => undefined };
  }
  if (process.env.BATON_SERVICE_BUNDLES) return { runs: `the bundles in ${process.env.BATON_SERVICE_BUNDLES}`, remove: () => undefined };
  const bundles = await buildServiceBundles();
  process.env.BATON_SERVICE_BUNDLES = bundles.dir;
  return { runs: 'their bundles (scripts/build.mjs, as the images run them)', remove: bundles.remove };
}
