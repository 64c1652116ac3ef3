// After the fuzz: is the service still healthy? /health and /ready (API and fanout) answer 200
// within 1 s, a normal workflow runs to completion, no run the fuzz started is left running,
// the output shows no escaped error, and SIGTERM still shuts it down cleanly.
import type { BatonProcess } from './baton-process.ts';
import { apiClient, NS, type Fixtures } from './fixtures.ts';
import { FUZZ_NAMESPACES } from './targets/index.ts';

export interface Probe {
  url: string;
  status: number;
  ms: number;
}

export interface HealthReport {
  ok: boolean;
  problems: string[];
  aliveAfterLanes: boolean;
  probes: Probe[];
  workflow: { status: string; output?: unknown; ms: number };
  /** Runs of the fuzz's namespaces still pending or running a minute after the lanes. */
  stuckRuns: string[];
  /** The first stuck runs in detail: the run, its last events, its workflow document. */
  stuckDetails: unknown[];
  fatalLines: string[];
  errorLogLines: number;
  errorLogSample: string[];
  stop?: { code: number | null; signal: string | null; timedOut: boolean };
}

const FINAL = { document: { dsl: '1.0.0', namespace: NS, name: 'final-check', version: '1.0.0' }, do: [{ sum: { set: { total: '${ [.items[] * 2] | add }' } } }, { loop: { for: { each: 'x', in: '${ [range(3)] }' }, do: [{ noop: { set: { total: '${ .total }' } } }] } }] };

async function probe(url: string): Promise<Probe> {
  const started = Date.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await res.text();
    return { url, status: res.status, ms: Date.now() - started };
  } catch {
    return { url, status: 0, ms: Date.now() - started };
  }
}

/** Each endpoint: up to three tries a second apart; it passes when one answers 200 within 1 s. */
async function probeHealth(baton: BatonProcess, report: HealthReport): Promise<void> {
  for (const url of [`${baton.apiUrl}/health`, `${baton.apiUrl}/ready`, `${baton.fanoutUrl}/health`, `${baton.fanoutUrl}/ready`]) {
    let passed = false;
    for (let attempt = 0; attempt < 3 && !passed; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 1_000));
      const p = await probe(url);
      report.probes.push(p);
      passed = p.status === 200 && p.ms <= 1_000;
    }
    if (!passed) report.problems.push(`${url} did not answer 200 within 1 s`);
  }
}

async function runNormalWorkflow(baton: BatonProcess, report: HealthReport): Promise<void> {
  const api = apiClient(baton.apiUrl);
  const started = Date.now();
  const applied = await api('POST', '/api/v1/workflows', FINAL);
  if (applied.status !== 201 && applied.status !== 200) {
    report.workflow = { status: `register: ${applied.status}`, ms: Date.now() - started };
    return;
  }
  const run = await api('POST', '/api/v1/runs', { namespace: NS, name: 'final-check', input: { items: [1, 2, 3] } });
  let current = run.body;
  while (run.status === 201 && !['completed', 'faulted', 'cancelled'].includes(current?.status) && Date.now() - started < 60_000) {
    await new Promise((r) => setTimeout(r, 200));
    current = (await api('GET', `/api/v1/runs/${run.body.id}`)).body;
  }
  report.workflow = { status: run.status === 201 ? String(current?.status) : `start: ${run.status}`, output: current?.output, ms: Date.now() - started };
  if (current?.status !== 'completed' || current?.output?.total !== 12) report.problems.push(`a normal workflow did not complete with {total: 12}: ${JSON.stringify(report.workflow)}`);
}

async function findStuckRuns(baton: BatonProcess, report: HealthReport): Promise<void> {
  const api = apiClient(baton.apiUrl);
  const list = async (namespace: string, status: string) => {
    const runs: Array<{ id: string; name: string; parentRunId?: string }> = [];
    let cursor = '';
    for (let page = 0; page < 40; page++) {
      const body = (await api('GET', `/api/v1/runs?namespace=${namespace}&status=${status}&limit=500${cursor}`)).body;
      runs.push(...(body?.items ?? []));
      if (!body?.nextCursor) break;
      cursor = `&cursor=${encodeURIComponent(body.nextCursor)}`;
    }
    return runs;
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    const stuck: string[] = [];
    const unfinished: Array<{ id: string; name: string; namespace: string; parentRunId?: string }> = [];
    const parents = new Set<string | undefined>();
    for (const namespace of [NS, ...FUZZ_NAMESPACES]) {
      for (const status of ['pending', 'running', 'waiting', 'suspended']) {
        for (const run of await list(namespace, status)) {
          // A parent runs while its child (of any namespace) waits for an event or an approval, or
          // was suspended (the fuzz suspends runs; one stays so until resumed): it is not stuck.
          parents.add(run.parentRunId);
          if (status === 'pending' || status === 'running') unfinished.push({ ...run, namespace });
        }
      }
    }
    for (const run of unfinished) if (!parents.has(run.id)) stuck.push(`${run.namespace}/${run.name} ${run.id}`);
    report.stuckRuns = stuck;
    if (stuck.length === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  if (report.stuckRuns.length > 0) report.problems.push(`${report.stuckRuns.length} runs still pending or running a minute after the fuzz`);
  for (const line of report.stuckRuns.slice(0, 3)) {
    const id = line.split(' ')[1]!;
    const run = (await api('GET', `/api/v1/runs/${id}`)).body;
    const events = (await api('GET', `/api/v1/runs/${id}/events?limit=1000`)).body?.items ?? [];
    const definition = (await api('GET', `/api/v1/workflows/${run?.namespace}/${run?.name}/${run?.version}`)).body?.document;
    // A parent's child runs, whatever became of them (what the parent waits on).
    const children = ((await api('GET', `/api/v1/runs?parentRunId=${encodeURIComponent(id)}&limit=5`)).body?.items ?? []) as Array<{ id: string; status: string; trigger?: unknown }>;
    const childRuns = [];
    for (const child of children) {
      const childEvents = (await api('GET', `/api/v1/runs/${child.id}/events?limit=1000`)).body?.items ?? [];
      childRuns.push({ id: child.id, status: child.status, lastEvents: lastEvents(childEvents, 6, 200) });
    }
    report.stuckDetails.push({ run, lastEvents: lastEvents(events, 5, 300), definition, childRuns });
  }
}

export async function finalChecks(baton: BatonProcess, _fixtures: Fixtures): Promise<HealthReport> {
  const report: HealthReport = { ok: false, problems: [], aliveAfterLanes: baton.alive(), probes: [], workflow: { status: 'not run', ms: 0 }, stuckRuns: [], stuckDetails: [], fatalLines: [], errorLogLines: 0, errorLogSample: [] };
  if (baton.exits.length > 0) report.problems.push(`the process exited ${baton.exits.length} time(s): ${JSON.stringify(baton.exits)}`);
  if (!report.aliveAfterLanes) {
    report.problems.push('the process was not alive after the lanes');
    await baton.ensureStarted(); // so that the rest of the checks say what they can
  }
  try {
    await probeHealth(baton, report);
    await runNormalWorkflow(baton, report);
    await findStuckRuns(baton, report);
  } catch (error) {
    report.problems.push(`final checks failed: ${String(error)}`);
  }
  report.stop = await baton.stop();
  if (report.stop.code !== 0) report.problems.push(`SIGTERM did not end the process cleanly: ${JSON.stringify(report.stop)}`);
  report.fatalLines = baton.fatalLines();
  if (report.fatalLines.length > 0) report.problems.push('the output shows an error that escaped every handler');
  const errors = baton.errorLogLines();
  report.errorLogLines = errors.length;
  report.errorLogSample = errors.slice(0, 5).map((line) => line.slice(0, 400));
  report.ok = report.problems.length === 0;
  return report;
}

/** The last `count` events of a run's log, each with its data cut to `chars` characters. */
function lastEvents(events: unknown, count: number, chars: number): { seq: number; type: string; data: string | undefined }[] {
  return (events as Array<{ seq: number; type: string; data?: unknown }>).slice(-count).map((e) => ({ seq: e.seq, type: e.type, data: JSON.stringify(e.data)?.slice(0, chars) }));
}
