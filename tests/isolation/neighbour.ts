// The noisy-neighbour measurement: while a hostile workflow runs in one namespace, a steady
// stream of small runs of another namespace and GET /health sampled every 100 ms — and what the
// Baton process got of the machine meanwhile, to tell a slow machine from a held event loop.
import { loadavg } from 'node:os';
import { expect } from 'vitest';
import { NEIGHBOUR } from './hostile.ts';
import { quantiles, sampleHealth, sleep, streamRuns, type Baton, type Quantiles } from './support.ts';

/** The bounds issue 12 asks for ("on this machine"): p99 start → end of the neighbour's runs, and /health. */
export const NEIGHBOUR_P99_MS = 1000;
export const HEALTH_MAX_MS = 1000;

export interface Window {
  health: Quantiles;
  /** The neighbour's runs as its client sees them: POST … wait until the finished run comes back. */
  roundTrip: Quantiles;
  /** The same runs by their stored timestamps (createdAt → endedAt). */
  startToEnd: Quantiles;
  failures: string[];
  wallMs: number;
  /** CPU the Baton process used over the window, as a share of one core. */
  cpuShare: number;
  /** The machine's 1-minute load average at the end (2 cores, shared by several engineers). */
  load: number;
}

/**
 * Runs `hostile` while the neighbour's stream and the /health sampler run: they start 500 ms
 * before it and stop 1 s after it returned, so the aftermath of the hostile run is measured too.
 */
export async function whileNeighbourRuns<T>(baton: Baton, hostile: () => Promise<T>): Promise<{ result: T; window: Window }> {
  const cpu0 = baton.cpuMs();
  const began = performance.now();
  const health = sampleHealth(baton.url, 100);
  const stream = streamRuns(baton, NEIGHBOUR, 'small', 100);
  try {
    await sleep(500);
    const result = await hostile();
    await sleep(1000);
    return { result, window: await finish() };
  } catch (error) {
    await finish();
    throw error;
  }

  async function finish(): Promise<Window> {
    const [latencies, runs] = await Promise.all([health.stop(), stream.stop()]);
    const wallMs = performance.now() - began;
    return {
      health: quantiles(latencies),
      roundTrip: quantiles(runs.roundTrips),
      startToEnd: quantiles(runs.startToEnd),
      failures: runs.failures,
      wallMs,
      cpuShare: (baton.cpuMs() - cpu0) / wallMs,
      load: loadavg()[0]!,
    };
  }
}

export function describeWindow(w: Window): string {
  const q = (x: Quantiles) => `n=${x.count} p50=${x.p50.toFixed(0)} p99=${x.p99.toFixed(0)} max=${x.max.toFixed(0)} ms`;
  return `neighbour round trip ${q(w.roundTrip)}; stored start→end ${q(w.startToEnd)}; /health ${q(w.health)}; Baton process CPU ${(100 * w.cpuShare).toFixed(0)}% of a core over ${(w.wallMs / 1000).toFixed(1)} s, load average ${w.load.toFixed(1)}`;
}

/** The neighbour kept completing within the bounds, and the process answered throughout. */
export function expectNeighbourHeld(w: Window): void {
  const figures = describeWindow(w);
  expect(w.failures, `neighbour runs that did not complete: ${figures}`).toEqual([]);
  expect(w.roundTrip.count, figures).toBeGreaterThanOrEqual(15);
  expect(w.health.count, figures).toBeGreaterThanOrEqual(10);
  expect(w.roundTrip.p99, `p99 start → end of ${NEIGHBOUR}'s runs: ${figures}`).toBeLessThan(NEIGHBOUR_P99_MS);
  expect(w.health.max, `slowest GET /health: ${figures}`).toBeLessThan(HEALTH_MAX_MS);
}
