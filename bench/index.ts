// `npm run bench [-- scenario…]`: runs the benchmarks (not tests) against the machine's real
// PostgreSQL and Redis and prints one JSON document per scenario. Without arguments: all
// runtime scenarios. Micro-benchmarks (jq, store, bus) run with `npx tsx bench/<name>.ts`.
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
for (const name of names) {
  const scenario = scenarios[name];
  if (!scenario) {
    process.stderr.write(`unknown scenario '${name}'; known: ${Object.keys(scenarios).join(', ')}\n`);
    process.exit(2);
  }
  const result = await scenario();
  process.stdout.write(`${JSON.stringify({ scenario: name, ...(result as object) }, null, 2)}\n`);
}
process.exit(0);
