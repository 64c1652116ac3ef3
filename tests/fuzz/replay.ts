// Sends a saved counterexample again: `npx tsx tests/fuzz/replay.ts tests/fuzz/failures/FILE.json`
// starts `baton start` (a throwaway data folder), makes the fixtures, sends the shrunk input (or
// the original with --original) through its target, and prints what happened; the process's
// output follows when it crashed. Exit 1 while the failure reproduces.
import { readFileSync } from 'node:fs';
import { BatonProcess } from './baton-process.ts';
import { setUpFixtures } from './fixtures.ts';
import { TargetStats, type LaneFailure } from './lane.ts';
import { buildTargets, type TargetName } from './targets/index.ts';

const [file, flag] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: npx tsx tests/fuzz/replay.ts FAILURE.json [--original]\n');
  process.exit(2);
}
const failure = JSON.parse(readFileSync(file, 'utf8')) as LaneFailure;
const input = flag === '--original' || failure.shrunk === undefined ? failure.original : failure.shrunk;
const baton = new BatonProcess();
try {
  await baton.ensureStarted();
  const fixtures = await setUpFixtures(baton.apiUrl);
  const openapi = await (await fetch(`${baton.apiUrl}/openapi.json`)).json();
  const [target] = buildTargets([failure.target as TargetName], { openapi, seed: failure.seed });
  const env = { baton, fixtures, stats: new TargetStats(), hangMs: 30_000 };
  process.stderr.write(`replaying a ${failure.target} input: ${JSON.stringify(input).slice(0, 2000)}\n`);
  const problem = await target!.run(input, env);
  await new Promise((r) => setTimeout(r, 500));
  const alive = baton.alive();
  await target!.dispose?.();
  process.stdout.write(`${JSON.stringify({ problem: problem ?? null, alive, statuses: env.stats.byStatus, fatal: baton.fatalLines() }, null, 2)}\n`);
  if (!alive) process.stdout.write(`--- process output ---\n${baton.tail(8000)}\n`);
  process.exitCode = problem !== undefined || !alive ? 1 : 0;
} finally {
  await baton.dispose();
}
