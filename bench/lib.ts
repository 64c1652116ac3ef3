// Small helpers shared by the benchmark scenarios.
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import { Agent, request } from 'undici';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function summary(samples: number[], digits = 2): { n: number; p50: number; p90: number; p99: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (x: number) => Number(x.toFixed(digits));
  return { n: sorted.length, p50: round(percentile(sorted, 50)), p90: round(percentile(sorted, 90)), p99: round(percentile(sorted, 99)), max: round(sorted[sorted.length - 1] ?? Number.NaN) };
}

/**
 * The benchmarks' HTTP client: undici's request API on keep-alive connections, as many per origin
 * as there are callers. Not WHATWG `fetch`: its streams cost 5× the CPU per call here (313–620 vs
 * 59–122 µs a POST, bench/README.md), CPU the callers take from the deployment under test on the
 * same two cores. Every answer is still read whole before it counts.
 */
const client = new Agent({ connections: null, keepAliveTimeout: 30_000 });

export async function httpText(url: string, init: { method?: 'GET' | 'POST' | 'PUT' | 'DELETE'; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; text: string }> {
  const res = await request(url, { method: init.method ?? 'GET', headers: init.headers, body: init.body, dispatcher: client });
  return { status: res.statusCode, text: await res.body.text() };
}

export async function api<T = unknown>(base: string, key: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: T }> {
  const { status, text } = await httpText(`${base}${path}`, {
    method: method as 'GET' | 'POST' | 'PUT' | 'DELETE',
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** The number after `--<name>` on the command line, or `fallback` (the micro-benchmarks' options). */
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

export const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

/** Epoch milliseconds with sub-millisecond precision (the same clock as Date.now()). */
export const epochMs = (): number => performance.timeOrigin + performance.now();

/** The machine a figure was measured on; the load average says whether it was shared. */
export async function machine(): Promise<{ cores: number; cpu: string; node: string; loadAverage: number[] }> {
  const os = await import('node:os');
  return { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadAverage: os.loadavg().map((x) => Number(x.toFixed(1))) };
}

/** utime + stime of a process, in seconds (clock ticks of 1/100 s on Linux); NaN once it is gone. */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds and context switches (voluntary and not, over its live threads) of a process; undefined once it is gone. */
export function processUsage(pid: number | undefined): { cpuSeconds: number; contextSwitches: number } | undefined {
  const cpu = cpuSeconds(pid);
  if (Number.isNaN(cpu)) return undefined;
  let contextSwitches = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      for (const match of status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm)) contextSwitches += Number(match[1]);
    }
  } catch {
    return undefined; // gone meanwhile
  }
  return { cpuSeconds: cpu, contextSwitches };
}

/** Named groups of process ids (a group may change between two calls). */
export type ProcessGroups = () => Promise<Record<string, number[]>>;
export interface UsagePerUnit {
  cpuMs: Record<string, number>;
  contextSwitches: Record<string, number>;
}

/**
 * What groups of processes spent between start and stop, per unit of work: CPU ms and context
 * switches (a wake-up after a wait for I/O, or a turn taken away), summed over each group's
 * processes — those in it at the start and at the stop (a process gone meanwhile is left out; one
 * that came meanwhile counts from zero). `groups` is asked at both ends.
 */
export async function meterUsage(groups: ProcessGroups): Promise<(units: number) => Promise<UsagePerUnit>> {
  const snapshot = async () => Object.fromEntries(Object.entries(await groups()).map(([name, pids]) => [name, new Map(pids.map((pid) => [pid, processUsage(pid)] as const))]));
  const before = await snapshot();
  return async (units) => {
    const after = await snapshot();
    const cpuMs: Record<string, number> = {};
    const contextSwitches: Record<string, number> = {};
    for (const [name, pids] of Object.entries(after)) {
      let cpu = 0;
      let switches = 0;
      for (const [pid, end] of pids) {
        const start = before[name]?.has(pid) ? before[name]!.get(pid) : { cpuSeconds: 0, contextSwitches: 0 };
        if (end === undefined || start === undefined) continue;
        cpu += end.cpuSeconds - start.cpuSeconds;
        switches += end.contextSwitches - start.contextSwitches;
      }
      cpuMs[name] = Number(((cpu * 1000) / Math.max(1, units)).toFixed(3));
      contextSwitches[name] = Number((switches / Math.max(1, units)).toFixed(2));
    }
    return { cpuMs, contextSwitches };
  };
}

/**
 * Prometheus counters summed over several /metrics endpoints, by `name` or `name{label="x"}`
 * (each series under its full label set too): a benchmark subtracts two of these.
 */
export async function scrapeCounters(urls: string[], names: string[]): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  const add = (key: string, value: number) => totals.set(key, (totals.get(key) ?? 0) + value);
  for (const url of urls) {
    const text = await fetch(url).then((res) => res.text(), () => '');
    for (const line of text.split('\n')) {
      const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? ([^ ]+)/.exec(line);
      if (!match || !names.includes(match[1]!)) continue;
      add(match[1]!, Number(match[3]));
      if (match[2]) add(`${match[1]}${match[2]}`, Number(match[3]));
    }
  }
  return totals;
}

/** What each series grew by between two scrapes (series that did not move are left out). */
export function counterDelta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [key, value] of after) {
    const grown = value - (before.get(key) ?? 0);
    if (grown !== 0) delta[key] = grown;
  }
  return delta;
}

/** A counter's deltas by label set (`{outcome="…",…}`), from counterDelta's record. */
export function byLabels(counters: Record<string, number>, name: string): Record<string, number> {
  return Object.fromEntries(Object.entries(counters).filter(([key]) => key.startsWith(`${name}{`)).map(([key, value]) => [key.slice(key.indexOf('{')), value]));
}

/** Task messages the runner's repairs sent again (a new transport epoch, a stale attempt): `baton_runner_resent_tasks_total{outcome="sent"}`, from counterDelta's record. */
export function tasksResent(counters: Record<string, number>): number {
  return Object.entries(byLabels(counters, 'baton_runner_resent_tasks_total')).reduce((sum, [labels, n]) => (labels.includes('outcome="sent"') ? sum + n : sum), 0);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface Arrival {
  /** Epoch ms (sub-ms precision) when the request reached the target. */
  at: number;
  path: string;
  /** The Idempotency-Key: `<runId>:<effectId>`, one per task attempt. */
  key: string;
}

/**
 * Records every request reaching a local HTTP target under the run id its Idempotency-Key names,
 * with a sub-millisecond arrival time (the target's own log has whole milliseconds). Requests
 * are not touched: this is a second 'request' listener beside the target's.
 */
export function recordArrivals(server: Server): { byRun: Map<string, Arrival[]>; stop(): void } {
  const byRun = new Map<string, Arrival[]>();
  const listener = (req: IncomingMessage) => {
    const at = epochMs();
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string') return;
    const runId = key.slice(0, key.indexOf(':'));
    const list = byRun.get(runId) ?? [];
    list.push({ at, path: (req.url ?? '').split('?')[0]!, key });
    byRun.set(runId, list);
  };
  server.on('request', listener);
  return { byRun, stop: () => void server.off('request', listener) };
}

/** Requests beyond the first per Idempotency-Key: the same attempt executed again. */
export function duplicateRequests(arrivals: readonly Arrival[]): number {
  return arrivals.length - new Set(arrivals.map((a) => a.key)).size;
}

/**
 * How fast the machine was while a scenario ran, beside its figures: on a VM the same code's CPU
 * per run moved by up to 2× within one sitting (stop 30), with the load average unchanged. `probeMs`
 * is a fixed JavaScript workload (JSON, strings, a Map; ~0.3 s at the sitting's fastest) timed
 * before and after; `stealPercent` is the share of the machine's CPU time the hypervisor gave to
 * others over the scenario (/proc/stat), where Linux reports it.
 */
export interface MachineDuring {
  probeMs: { before: number; after: number };
  stealPercent?: number;
}

export function cpuProbeMs(): number {
  const start = performance.now();
  const state = { v: 1, status: 'running', frames: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, { p: 'root', ref: `/do/${i}/task`, in: { n: i, s: 'x'.repeat(20) } }])) };
  let sink = 0;
  for (let i = 0; i < 6_000; i += 1) {
    const text = JSON.stringify(state);
    sink += text.replace(/"/g, '\\"').length + Object.keys((JSON.parse(text) as typeof state).frames).length;
    const map = new Map<string, number>();
    for (let j = 0; j < 20; j += 1) map.set(`k${j}`, j);
    sink += map.size;
  }
  if (sink < 0) throw new Error('unreachable');
  return Math.round(performance.now() - start);
}

/** The machine's CPU ticks (all, and stolen), or undefined where /proc/stat is not there. */
function cpuTicks(): { total: number; steal: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { total: fields.slice(0, 8).reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 };
  } catch {
    return undefined;
  }
}

/** Starts watching the machine; the returned function stops and reports (MachineDuring). */
export function watchMachine(): () => MachineDuring {
  const before = cpuProbeMs();
  const ticks = cpuTicks();
  return () => {
    const after = cpuTicks();
    const report: MachineDuring = { probeMs: { before, after: cpuProbeMs() } };
    if (ticks && after && after.total > ticks.total) report.stealPercent = Number(((100 * (after.steal - ticks.steal)) / (after.total - ticks.total)).toFixed(1));
    return report;
  };
}
