// `npm run bench -- peer`: the workload of the speed issue (16), the one measured side by side
// with n8n — webhook/API → HTTP POST → HTTP POST → set, the caller waiting for the finished run
// (POST /api/v1/runs with `wait`) — against a local HTTP target in this process, in both modes
// (bench/deployments.ts): `baton start` (PGlite, in-process bus) and services (1 orchestrator,
// 1 workflow-runner, 1 http-worker on PostgreSQL and Redis; BENCH_HTTP_WORKERS for more).
//
// Per mode: a warm-up of BENCH_PEER_WARMUP runs (default 1,000) with BENCH_PEER_WARMUP_CALLERS
// callers (default 20), then BENCH_PEER_WARMUP_SEQUENTIAL runs one at a time (default 1,000) — a
// long-running deployment's state: V8 has compiled the hot paths of every process (a freshly
// started one runs them in its interpreter and baseline tiers, up to ~25 % more CPU per run) and
// the pools are open. Both are needed: a request alone takes a path concurrent ones do not (the
// API's inline start, services/orchestrator/src/routes/runs.ts), which the concurrent warm-up
// alone left cold (bench/README.md, stop 38). Both warm-ups are reported as phases of their own (`warmup`,
// `warmupSequential`: the cold figures) and kept out of the others —, then BENCH_PEER_SEQUENTIAL
// sequential runs (default 200), then for each of BENCH_PEER_CALLERS (default "20,200")
// BENCH_PEER_RUNS runs (default 2,000) with that many callers at once. Each phase reports:
//   latencyMs      send → whole answer read, of the runs that completed
//   runsPerSecond  runs completed / the phase's wall time
//   outcomes       completed, timedOut (202: the wait ended first), notCompleted (finished
//                  otherwise), wrongOutput, httpErrors, exceptions — and what became of the
//                  timed-out runs a few seconds later; nothing is left out of the counts
//   repeatedWork   requests at the target beyond one per attempt (same Idempotency-Key) or
//                  beyond two per completed run, runs missing a request, messages reclaimed
//                  after a lease ran out, the http-workers' request outcomes
//   cpu            CPU seconds of each Baton process over the phase, and ms per completed run
//                  (PostgreSQL and Redis are not counted: other agents' databases share them)
//   hops           the per-hop breakdown (bench/hops.ts) of up to BENCH_PEER_HOP_SAMPLES runs
//                  (default 200) spread over the phase: the sequential phase is the idle one
// Before the sequential phase, idleCpu: each Baton process's CPU share over BENCH_PEER_IDLE_SECONDS
// (default 5) with no requests at all — what its background loops cost — and idleWakeupsPerSecond:
// its context switches per second meanwhile (each a wake-up from a timer or a reply, threads included).
// BENCH_PEER_MODES (default "embedded,services") picks the modes.
import { startHttpTarget, type HttpTarget } from '@baton/testkit';
import { BENCH_SERVICES, startDeployment, type Deployment, type Mode, type ProcessExit } from './deployments.ts';
import { hopTable, milestones, spread, type RunEvent, type TaskSpec } from './hops.ts';
import { byLabels, counterDelta, cpuSeconds, duplicateRequests, epochMs, httpText, log, machine, meterUsage, recordArrivals, scrapeCounters, sleep, summary, tasksResent, type Arrival } from './lib.ts';

const WARMUP = Number(process.env.BENCH_PEER_WARMUP ?? 1000);
const WARMUP_CALLERS = Number(process.env.BENCH_PEER_WARMUP_CALLERS ?? 20);
const WARMUP_SEQUENTIAL = Number(process.env.BENCH_PEER_WARMUP_SEQUENTIAL ?? 1000);
const SEQUENTIAL = Number(process.env.BENCH_PEER_SEQUENTIAL ?? 200);
const RUNS = Number(process.env.BENCH_PEER_RUNS ?? 2000);
const CALLERS = (process.env.BENCH_PEER_CALLERS ?? '20,200').split(',').map(Number);
const HOP_SAMPLES = Number(process.env.BENCH_PEER_HOP_SAMPLES ?? 200);
const IDLE_SECONDS = Number(process.env.BENCH_PEER_IDLE_SECONDS ?? 5);
const MODES = (process.env.BENCH_PEER_MODES ?? 'embedded,services').split(',') as Mode[];
const WAIT = 'PT60S';
const TASKS: TaskSpec[] = [{ name: 'first', path: '/first' }, { name: 'second', path: '/second' }, { name: 'done' }];
const COUNTERS = ['baton_messages_reclaimed_total', 'http_worker_requests_total', 'baton_runner_snapshot_batches_total', 'baton_runner_batch_seconds_count', 'baton_runner_start_hints_total', 'baton_runs_finished_total', 'baton_runner_resent_tasks_total'];

function peerWorkflow(target: string): unknown {
  return {
    document: { dsl: '1.0.0', namespace: 'bench', name: 'peer', version: '1.0.0' },
    do: [
      { first: { call: 'http', with: { method: 'post', endpoint: `${target}/first`, body: '${ . }' } } },
      { second: { call: 'http', with: { method: 'post', endpoint: `${target}/second`, body: '${ .body }' } } },
      { done: { set: { ok: '${ .ok }', n: '${ .body.n }' } } },
    ],
  };
}

interface RunBody {
  id: string;
  status: string;
  createdAt: string;
  output?: { ok?: unknown; n?: unknown };
}

interface CallRecord {
  n: number;
  sentAt: number;
  answeredAt: number;
  status: number | 'exception';
  run?: RunBody;
  error?: string;
}

export async function benchPeer(): Promise<Record<string, unknown>> {
  for (const mode of MODES) if (mode !== 'embedded' && mode !== 'services') throw new Error(`BENCH_PEER_MODES: unknown mode '${mode}' (embedded, services)`);
  const target = await startHttpTarget();
  const arrivals = recordArrivals(target.server);
  const results: Record<string, unknown> = {};
  try {
    for (const mode of MODES) results[mode] = await benchMode(mode, target, arrivals.byRun);
  } finally {
    arrivals.stop();
    await target.close();
  }
  return {
    machine: await machine(),
    workload: { workflow: 'POST /api/v1/runs (wait) → call http POST → call http POST → set', warmup: { runs: WARMUP, callers: WARMUP_CALLERS, sequentialRuns: WARMUP_SEQUENTIAL }, sequential: SEQUENTIAL, runsPerConcurrentPhase: RUNS, callers: CALLERS },
    summary: Object.fromEntries(Object.entries(results).map(([mode, result]) => [mode, headline(result as ModeResult)])),
    ...results,
  };
}

interface ModeResult {
  warmup: PhaseReport;
  warmupSequential: PhaseReport;
  sequential: PhaseReport;
  concurrent: PhaseReport[];
  processExits: ProcessExit[];
}

async function benchMode(mode: Mode, target: HttpTarget, byRun: Map<string, Arrival[]>): Promise<ModeResult & Record<string, unknown>> {
  log(`peer/${mode}: starting`);
  const deployment = await startDeployment(mode, BENCH_SERVICES);
  try {
    const registered = await fetch(`${deployment.apiUrl}/api/v1/workflows`, { method: 'POST', headers: headers(deployment), body: JSON.stringify(peerWorkflow(target.url)) });
    if (registered.status >= 300) throw new Error(`registering the workflow failed: ${registered.status} ${await registered.text()}`);
    let n = 0;
    const phase = async (label: string, runs: number, callers: number) => {
      log(`peer/${mode}: ${label}: ${runs} runs, ${callers} caller(s)`);
      const first = n;
      n += runs;
      return measurePhase(deployment, byRun, first, runs, callers);
    };
    const warmup = await phase('warm-up', WARMUP, WARMUP_CALLERS);
    const warmupSequential = await phase('warm-up, one at a time', WARMUP_SEQUENTIAL, 1);
    const { idleCpu, idleWakeupsPerSecond } = await idleUsage(deployment);
    const sequential = await phase('sequential', SEQUENTIAL, 1);
    const concurrent: PhaseReport[] = [];
    for (const callers of CALLERS) concurrent.push(await phase('concurrent', RUNS, callers));
    return {
      deployment: mode === 'embedded' ? 'baton start: one process, PGlite, in-process bus' : { ...BENCH_SERVICES, store: 'PostgreSQL', bus: 'Redis' },
      idleCpu,
      idleWakeupsPerSecond,
      warmup,
      warmupSequential,
      sequential,
      concurrent,
      // A process that died mid-benchmark (its runs then time out): named, with its last output.
      processExits: deployment.exits,
    };
  } finally {
    await deployment.stop();
  }
}

/** CPU seconds and context switches per second of each process while nothing is asked of it. */
async function idleUsage(d: Deployment): Promise<{ idleCpu: Record<string, number>; idleWakeupsPerSecond: Record<string, number> }> {
  const usage = await meterUsage(async () => Object.fromEntries(d.processes.map((p) => [p.name, p.pid === undefined ? [] : [p.pid]])));
  await sleep(IDLE_SECONDS * 1000);
  const { cpuMs, contextSwitches } = await usage(IDLE_SECONDS);
  return {
    idleCpu: Object.fromEntries(Object.entries(cpuMs).map(([name, ms]) => [name, Number((ms / 1000).toFixed(3))])),
    idleWakeupsPerSecond: Object.fromEntries(Object.entries(contextSwitches).map(([name, n]) => [name, Number(n.toFixed(1))])),
  };
}

const headers = (d: Deployment) => ({ authorization: `Bearer ${d.apiKey}`, 'content-type': 'application/json' });

async function startRun(d: Deployment, n: number): Promise<CallRecord> {
  const sentAt = epochMs();
  try {
    const { status, text } = await httpText(`${d.apiUrl}/api/v1/runs`, { method: 'POST', headers: headers(d), body: JSON.stringify({ namespace: 'bench', name: 'peer', input: { n }, wait: WAIT }) });
    const answeredAt = epochMs();
    try {
      return { n, sentAt, answeredAt, status, run: JSON.parse(text) as RunBody };
    } catch {
      return { n, sentAt, answeredAt, status, error: text.slice(0, 200) };
    }
  } catch (error) {
    return { n, sentAt, answeredAt: epochMs(), status: 'exception', error: String(error) };
  }
}

type PhaseReport = Awaited<ReturnType<typeof measurePhase>>;

async function measurePhase(d: Deployment, byRun: Map<string, Arrival[]>, first: number, runs: number, callers: number) {
  const urls = d.processes.map((p) => p.metricsUrl);
  const countersBefore = await scrapeCounters(urls, COUNTERS);
  const cpuBefore = d.processes.map((p) => cpuSeconds(p.pid));
  const records: CallRecord[] = [];
  let next = first;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < first + runs) records.push(await startRun(d, next++));
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = d.processes.map((p, i) => [p.name, cpuSeconds(p.pid) - cpuBefore[i]!] as const);
  const outcome = await outcomes(d, records);
  const counters = counterDelta(countersBefore, await scrapeCounters(urls, COUNTERS));
  const completed = records.filter(isCompleted);
  const hops = await hopsOf(d, spread(completed, HOP_SAMPLES), byRun);
  return {
    runs,
    callers,
    seconds: Number(seconds.toFixed(2)),
    runsPerSecond: Number((completed.length / seconds).toFixed(1)),
    latencyMs: summary(completed.map((r) => r.answeredAt - r.sentAt)),
    outcomes: outcome,
    repeatedWork: repeatedWork(records, byRun, counters),
    cpu: Object.fromEntries(cpu.map(([name, s]) => [name, { seconds: Number(s.toFixed(2)), msPerRun: Number(((s * 1000) / Math.max(1, completed.length)).toFixed(2)) }])),
    hops,
  };
}

function isCompleted(r: CallRecord): r is CallRecord & { run: RunBody } {
  return r.status === 200 && r.run?.status === 'completed' && r.run.output?.ok === true && r.run.output.n === r.n;
}

/** Every call counted once; the runs the wait gave up on are looked at again a little later. */
async function outcomes(d: Deployment, records: CallRecord[]) {
  const timedOut = records.filter((r) => r.status === 202);
  const finished = records.filter((r) => r.status === 200);
  const errors = records.filter((r) => r.status !== 200 && r.status !== 202);
  const later: Record<string, number> = {};
  if (timedOut.length > 0) await sleep(5_000);
  for (const r of timedOut) {
    const res = await fetch(`${d.apiUrl}/api/v1/runs/${r.run?.id}`, { headers: headers(d) }).catch(() => undefined);
    const status = res?.ok ? ((await res.json()) as RunBody).status : `unknown (${res?.status ?? 'no answer'})`;
    later[status] = (later[status] ?? 0) + 1;
  }
  return {
    completed: records.filter(isCompleted).length,
    timedOut: timedOut.length,
    timedOutRunsStatus5sLater: later,
    notCompleted: finished.filter((r) => r.run?.status !== 'completed').length,
    wrongOutput: finished.filter((r) => r.run?.status === 'completed' && !isCompleted(r)).length,
    httpErrors: errors.filter((r) => r.status !== 'exception').length,
    exceptions: errors.filter((r) => r.status === 'exception').length,
    errorSamples: errors.slice(0, 3).map((r) => `${r.status}: ${r.error ?? JSON.stringify(r.run).slice(0, 200)}`),
  };
}

function repeatedWork(records: CallRecord[], byRun: Map<string, Arrival[]>, counters: Record<string, number>) {
  let duplicates = 0;
  let extra = 0;
  let missing = 0;
  for (const r of records) {
    const arrived = r.run ? (byRun.get(r.run.id) ?? []) : [];
    duplicates += duplicateRequests(arrived);
    if (isCompleted(r)) {
      extra += Math.max(0, arrived.length - 2);
      missing += Math.max(0, 2 - arrived.length);
    }
  }
  return {
    duplicateRequests: duplicates,
    requestsBeyondTwoPerRun: extra,
    completedRunsMissingARequest: missing,
    messagesReclaimed: counters.baton_messages_reclaimed_total ?? 0,
    // Task messages the runner's repairs sent again (a new transport epoch, a stale attempt).
    tasksResent: tasksResent(counters),
    httpWorkerRequests: byLabels(counters, 'http_worker_requests_total'),
    // Runner batches decided on runs as it last left them (one round trip): committed, or
    // `changed` — their runs had changed, and the batch was applied again on a read (repeated work).
    snapshotBatches: byLabels(counters, 'baton_runner_snapshot_batches_total'),
    // All the batches the runner's inbox applied (each counted once, whether on snapshots or on a read).
    runnerBatches: counters.baton_runner_batch_seconds_count ?? 0,
    // Hints of the runs the API started (services): kept, known already, malformed.
    startHints: byLabels(counters, 'baton_runner_start_hints_total'),
  };
}

async function hopsOf(d: Deployment, sample: (CallRecord & { run: RunBody })[], byRun: Map<string, Arrival[]>) {
  const lists = [];
  for (const r of sample) {
    const res = await fetch(`${d.apiUrl}/api/v1/runs/${r.run.id}/events?after=0&limit=100`, { headers: headers(d) });
    const events = res.ok ? ((await res.json()) as { items: RunEvent[] }).items : [];
    lists.push(milestones({ runId: r.run.id, sentAt: r.sentAt, answeredAt: r.answeredAt, createdAt: r.run.createdAt }, events, byRun.get(r.run.id) ?? [], TASKS));
  }
  return hopTable(lists);
}

/** The table: sequential p50 / p99, runs/s per caller count, and everything that went wrong. */
function headline(result: ModeResult) {
  const problems = (p: PhaseReport) => p.runs - p.outcomes.completed + p.repeatedWork.duplicateRequests + p.repeatedWork.requestsBeyondTwoPerRun + p.repeatedWork.messagesReclaimed + p.repeatedWork.tasksResent;
  return {
    sequentialP50Ms: result.sequential.latencyMs.p50,
    sequentialP99Ms: result.sequential.latencyMs.p99,
    ...Object.fromEntries(result.concurrent.map((p) => [`runsPerSecondAt${p.callers}`, p.runsPerSecond])),
    ...Object.fromEntries(result.concurrent.map((p) => [`p50MsAt${p.callers}`, p.latencyMs.p50])),
    // The cold start's figure: the warm-up's runs on a freshly started deployment.
    [`warmupRunsPerSecondAt${result.warmup.callers}`]: result.warmup.runsPerSecond,
    warmupSequentialP50Ms: result.warmupSequential.latencyMs.p50,
    notCompletedOrRepeated: [result.warmup, result.warmupSequential, result.sequential, ...result.concurrent].reduce((sum, p) => sum + problems(p), 0),
    processesExited: result.processExits.map((exit) => exit.name),
  };
}
