import { randomUUID } from 'node:crypto';
import type { BusConfig, BusErrorReporter, ObservableBus } from '../src/index.ts';

/** What the conformance suite needs to know about one adapter. */
export interface BusUnderTest {
  name: string;
  /** A fresh bus; the suite closes every bus it creates. */
  create(options?: BusTestOptions): ObservableBus;
  /** The createBus() config of the same bus (the close() test runs it in a child process). */
  config(): BusConfig;
  /** Runs before the tests: throws with a clear message when the backend is unreachable. */
  check?(): Promise<void>;
  /** Runs after the tests: removes whatever the tests left in the backend. */
  cleanup?(): Promise<void>;
}

export interface BusTestOptions {
  topicMaxLen?: number;
  onError?: BusErrorReporter;
}

/** Hands out buses and closes them after each test. */
export class BusPool {
  private readonly open: ObservableBus[] = [];
  constructor(private readonly target: BusUnderTest) {}

  create(options?: BusTestOptions): ObservableBus {
    const bus = this.target.create(options);
    this.open.push(bus);
    return bus;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.open.splice(0).map((bus) => bus.close()));
  }
}

/** Every test uses its own queue and topic names. */
export function uniqueName(what: string): string {
  return `${what}-${randomUUID().slice(0, 8)}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll `predicate` until it holds; fail with `what` after `timeoutMs`. */
export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

export function range(count: number, from = 0): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

/** Compare "<ms>-<seq>" ids numerically. */
export function compareIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}
