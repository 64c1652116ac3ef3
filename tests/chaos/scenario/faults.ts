// The fault injector: every 0.5–3 s (seeded random) one fault on a target chosen at random among
// those that are up — SIGKILL of a Baton service (started again after a short random pause),
// SIGKILL of Redis (started again from its AOF after a short random pause), or all of Baton's
// PostgreSQL connections terminated (pg_terminate_backend). Optionally one FLUSHALL of Redis.
// It also supervises the services like an orchestrator of containers would: a service that exits
// on its own is recorded as a crash and started again. Everything lands on one timeline.
import pg from 'pg';
import type { Cluster, RedisServer } from '@baton/testkit';

export const HARNESS_APPLICATION = 'baton-chaos-harness';

export type FaultAction = 'kill' | 'restart' | 'restart-failed' | 'terminate' | 'wipe' | 'crash';

export interface TimelineEntry {
  /** Seconds since the harness started. */
  t: number;
  target: string;
  action: FaultAction;
  detail?: string;
}

export interface FaultPlan {
  seconds: number;
  minGapMs: number;
  maxGapMs: number;
  /** Pause before a killed target is started again. */
  minDownMs: number;
  maxDownMs: number;
  wipe: boolean;
  random: () => number;
}

export class Timeline {
  readonly entries: TimelineEntry[] = [];
  /** Epoch ms of every fault injected (kills, terminations, the wipe; not restarts). */
  readonly faultTimes: number[] = [];
  constructor(readonly origin: number) {}

  add(target: string, action: FaultAction, detail?: string): TimelineEntry {
    const now = Date.now();
    const entry: TimelineEntry = { t: Number(((now - this.origin) / 1000).toFixed(2)), target, action, ...(detail ? { detail } : {}) };
    this.entries.push(entry);
    if (action === 'kill' || action === 'terminate' || action === 'wipe') this.faultTimes.push(now);
    return entry;
  }

  lastFaultAt(): number | undefined {
    return this.faultTimes.at(-1);
  }

  counts(): Record<string, Record<string, number>> {
    const counts: Record<string, Record<string, number>> = {};
    for (const e of this.entries) {
      const byAction = (counts[e.target] ??= {});
      byAction[e.action] = (byAction[e.action] ?? 0) + 1;
    }
    return counts;
  }
}

export interface FaultInjector {
  /** Resolves when the fault window is over and every killed target is up again. */
  done: Promise<void>;
  /** Stop supervising and wait for restarts in progress (before the cluster is stopped). */
  stopSupervising(): Promise<void>;
  /** The cluster's onExit hook: a service that exits when it was not killed is a crash. */
  onExit(name: string, code: number | null, signal: string | null, output: string[]): void;
  /** Names of services that exited on their own after being ready. */
  crashes: { name: string; at: number; code: number | null; signal: string | null; output: string[] }[];
  wipedAt?: number;
}

interface Deps {
  cluster: Cluster;
  redis: RedisServer;
  database: string;
  maintenanceUrl: string;
  timeline: Timeline;
  log: (message: string) => void;
}

export function injectFaults(deps: Deps, plan: FaultPlan): FaultInjector {
  const { cluster, redis, timeline } = deps;
  const down = new Set<string>();
  const pending = new Set<Promise<void>>();
  let supervising = true;
  const injector: FaultInjector = {
    done: Promise.resolve(),
    crashes: [],
    async stopSupervising() {
      supervising = false;
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    onExit(name, code, signal, output) {
      if (down.has(name) || !supervising) return;
      // The last lines (a crash's stack is several of them), each cut short: service logs can be long JSON.
      injector.crashes.push({ name, at: Date.now(), code, signal, output: output.slice(-40).map((line) => line.slice(0, 400)) });
      timeline.add(name, 'crash', `exit ${code ?? signal}`);
      down.add(name);
      background(restartService(name, 500).finally(() => down.delete(name)));
    },
  };
  const between = (min: number, max: number) => min + plan.random() * (max - min);
  const background = (work: Promise<void>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };

  const restartService = async (name: string, afterMs: number) => {
    await sleep(afterMs);
    for (let attempt = 1; ; attempt += 1) {
      try {
        await cluster.restart(name);
        timeline.add(name, 'restart', attempt > 1 ? `attempt ${attempt}` : undefined);
        return;
      } catch (error) {
        timeline.add(name, 'restart-failed', firstLine(error));
        await sleep(1_000);
      }
    }
  };

  // Each fault marks its target down at once and is recorded when its signal is sent; the
  // rest (waiting for the exit, the pause, the restart) happens in the background.
  const faults: Record<string, () => Promise<void>> = {};
  for (const p of cluster.processes) {
    faults[p.name] = async () => {
      timeline.add(p.name, 'kill');
      await cluster.kill(p.name, 'SIGKILL');
      await restartService(p.name, between(plan.minDownMs, plan.maxDownMs));
    };
  }
  faults.redis = async () => {
    timeline.add('redis', 'kill');
    await redis.kill();
    await sleep(between(plan.minDownMs, plan.maxDownMs));
    for (;;) {
      const t0 = Date.now();
      try {
        await redis.restart();
        timeline.add('redis', 'restart', `AOF loaded, answering after ${Date.now() - t0} ms`);
        return;
      } catch (error) {
        timeline.add('redis', 'restart-failed', firstLine(error));
        await sleep(1_000);
      }
    }
  };
  const terminator = new Terminator(deps.maintenanceUrl, deps.database);
  faults.postgres = async () => {
    let entry: TimelineEntry | undefined;
    const terminated = await terminator.terminate(() => void (entry = timeline.add('postgres', 'terminate')));
    entry!.detail = `${terminated} connections`;
  };
  const inject = (target: string) => {
    down.add(target);
    background(
      faults[target]!()
        .catch((error: unknown) => deps.log(`fault on ${target} failed: ${firstLine(error)}`))
        .finally(() => down.delete(target)),
    );
  };

  // Faults are scheduled on a fixed random cadence, however long each takes to inject.
  const run = async () => {
    const start = Date.now();
    const end = start + plan.seconds * 1000;
    const wipeAt = plan.wipe ? start + between(plan.seconds / 3, (2 * plan.seconds) / 3) * 1000 : Infinity;
    for (let next = start + between(plan.minGapMs, plan.maxGapMs); next < end; next += between(plan.minGapMs, plan.maxGapMs)) {
      await sleep(next - Date.now());
      if (Date.now() >= wipeAt && injector.wipedAt === undefined && !down.has('redis')) {
        injector.wipedAt = Date.now();
        timeline.add('redis', 'wipe', 'FLUSHALL');
        background(redis.flushAll().catch((error: unknown) => deps.log(`FLUSHALL failed: ${firstLine(error)}`)));
        continue;
      }
      const choices = Object.keys(faults).filter((target) => !down.has(target));
      if (choices.length > 0) inject(choices[Math.floor(plan.random() * choices.length)]!);
    }
    while (pending.size > 0) await Promise.allSettled([...pending]);
    await terminator.close();
  };
  injector.done = run();
  return injector;
}

/** pg_terminate_backend of every Baton connection to the database, on one kept connection (spared itself). */
class Terminator {
  #client: pg.Client | undefined;
  constructor(readonly url: string, readonly database: string) {}

  async terminate(sending: () => void): Promise<number> {
    if (!this.#client) {
      const client = new pg.Client({ connectionString: this.url, application_name: HARNESS_APPLICATION });
      client.on('error', () => (this.#client = undefined));
      await client.connect();
      this.#client = client;
    }
    sending();
    const res = await this.#client.query(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name <> $2`,
      [this.database, HARNESS_APPLICATION],
    );
    return res.rows[0].n as number;
  }

  async close(): Promise<void> {
    await this.#client?.end().catch(() => undefined);
  }
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!.slice(0, 200);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A small seeded PRNG (mulberry32): the fault schedule of a seed is the same every time. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
