// A lane runs one target's property with fast-check: every generated input is sent, its answer
// checked, and the process checked alive. Lanes run side by side and stop at their first
// failure (endOnFailure); the failures are then shrunk one lane at a time, alone with the
// process, so that a crash is pinned on the input that causes it and not on a neighbour's.
import fc from 'fast-check';
import type { Exit } from './baton-process.ts';
import type { Fixtures } from './fixtures.ts';
import { inFlight, type HttpAnswer } from './wire.ts';

export class TargetStats {
  inputs = 0;
  /** Requests, WebSocket frames, evaluations: what the inputs became on the wire. */
  sent = 0;
  readonly byClass: Record<string, number> = {};
  readonly byStatus: Record<string, number> = {};
  maxMs = 0;
  /** The slowest answer and what it answered. */
  slowest = '';
  /** Connections the server closed without answering (not a failure by itself: a malformed request may get none). */
  noAnswer = 0;
  /** A few inputs that got no answer, for the summary. */
  readonly noAnswerSamples: string[] = [];

  record(answer: Pick<HttpAnswer, 'status' | 'ms' | 'error'>, what = ''): void {
    this.sent++;
    const cls = answer.status === 0 ? 'none' : `${Math.floor(answer.status / 100)}xx`;
    this.byClass[cls] = (this.byClass[cls] ?? 0) + 1;
    this.byStatus[answer.status] = (this.byStatus[answer.status] ?? 0) + 1;
    if (answer.status === 0 && ++this.noAnswer <= 5) this.noAnswerSamples.push(`${what.slice(0, 200)}: ${answer.error ?? 'closed without an answer'}`);
    if (answer.ms > this.maxMs) this.slowest = `${answer.ms} ms: ${what.slice(0, 300)}`;
    this.maxMs = Math.max(this.maxMs, answer.ms);
  }

  /** Counts an outcome that is not an HTTP status (a WebSocket close code, an engine result). */
  count(what: string): void {
    this.byStatus[what] = (this.byStatus[what] ?? 0) + 1;
  }
}

/** The process under fuzz, as lanes see it (BatonProcess; a stand-in in lane.test.ts). */
export interface Supervised {
  readonly apiUrl: string;
  readonly fanoutUrl: string;
  /** Increments at every (re)start. */
  readonly generation: number;
  readonly exits: Exit[];
  alive(): boolean;
  /** Starts the process, or restarts it after it exited. */
  ensureStarted(): Promise<void>;
}

export interface TargetEnv {
  baton: Supervised;
  fixtures: Fixtures;
  stats: TargetStats;
  /** An answer slower than this is a hang. */
  hangMs: number;
  /** Why the process counts as hung (it stopped answering its health probe), once it does. */
  hung?: () => string | undefined;
}

/** How the failure of an input sent to a hung process begins. */
export const HUNG = 'HANG: the process was hung before this input: ';

export interface Target<T> {
  name: string;
  arbitrary: fc.Arbitrary<T>;
  /** Sends one input and checks what came back: a failure's description, or undefined. */
  run(input: T, env: TargetEnv): Promise<string | undefined>;
  /** Called before the lanes start (e.g. fetching ids); optional. */
  prepare?(env: TargetEnv): Promise<void>;
  /** Stops what the target started (a helper process); optional. */
  dispose?(): Promise<void>;
}

export interface LaneFailure {
  target: string;
  seed: number;
  /** fast-check's path of the counterexample: with the seed, replays it (FUZZ_SEED). */
  path: string;
  message: string;
  /** The input as first found, and after shrinking (when it reproduced alone). */
  original: unknown;
  shrunk?: unknown;
  shrunkMessage?: string;
  /** False when the input did not fail again alone: another lane's input (or their mix) caused it. */
  reproduced?: boolean;
  /** What every lane sent last before the failure (for crashes). */
  recent: Array<{ target: string; input: unknown }>;
}

export interface LaneResult {
  target: string;
  seed: number;
  requested: number;
  inputs: number;
  interrupted: boolean;
  failure?: LaneFailure;
}

/** The last inputs of every lane, newest last: a crash may be caused by any input in flight. */
export class RecentInputs {
  readonly items: Array<{ target: string; input: unknown }> = [];
  push(target: string, input: unknown): void {
    this.items.push({ target, input });
    if (this.items.length > 12) this.items.shift();
  }
}

/**
 * Sends one input. A process found dead before the input was ended by an earlier one: while
 * fuzzing that fails this input too (every lane stops; `recent` tells what was in flight), while
 * shrinking the process is restarted. After an input that got no answer, the exit is given a
 * moment to show: a crash closes the connection a little before the process is seen to exit.
 */
async function checkOne<T>(target: Target<T>, input: T, env: TargetEnv, recent: RecentInputs, restart: boolean): Promise<void> {
  const hung = env.hung?.();
  if (hung !== undefined) throw new Error(`${HUNG}${hung}`);
  if (!env.baton.alive()) {
    if (!restart) throw new Error(`CRASH: the process had already exited (${describeExit(env, env.baton.generation)}): an input sent just before this one ended it (see recent)`);
    await env.baton.ensureStarted();
  }
  const generation = env.baton.generation;
  const silentBefore = env.stats.noAnswer;
  recent.push(target.name, input);
  env.stats.inputs++;
  // Tagged: an error escaping the fuzzer's own sockets names the lane and the input (suite.ts).
  const failure = await inFlight.run({ target: target.name, input }, () => target.run(input, env));
  if (failure !== undefined || env.stats.noAnswer > silentBefore) await settle(env, generation);
  if (!env.baton.alive() || env.baton.generation !== generation) {
    throw new Error(`CRASH: the process exited (${describeExit(env, generation)}) while this input was handled${failure ? `; ${failure}` : ''}`);
  }
  if (failure !== undefined) throw new Error(failure);
}

function describeExit(env: TargetEnv, generation: number): string {
  const exit = env.baton.exits.find((e) => e.generation === generation);
  return `code ${exit?.code ?? '?'}, signal ${exit?.signal ?? 'none'}`;
}

/** Up to 300 ms for an exit to be seen. */
async function settle(env: TargetEnv, generation: number): Promise<void> {
  for (let waited = 0; waited < 300 && env.baton.alive() && env.baton.generation === generation; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function runLane<T>(target: Target<T>, env: TargetEnv, options: { numRuns: number; seed: number; timeLimitMs: number; recent: RecentInputs }): Promise<LaneResult> {
  const property = fc.asyncProperty(target.arbitrary, (input) => checkOne(target, input, env, options.recent, false));
  const details = await fc.check(property, { numRuns: options.numRuns, seed: options.seed, endOnFailure: true, plugins: [fc.interruptAfterTimeLimit(Math.max(1, options.timeLimitMs))] });
  const result: LaneResult = { target: target.name, seed: options.seed, requested: options.numRuns, inputs: env.stats.inputs, interrupted: details.interrupted };
  if (details.failed && details.counterexample && details.counterexamplePath !== null) {
    result.failure = {
      target: target.name,
      seed: options.seed,
      path: details.counterexamplePath,
      message: messageOf(details.errorInstance),
      original: (details.counterexample as unknown[])[0],
      recent: [...options.recent.items],
    };
  }
  return result;
}

/**
 * Replays a lane's counterexample alone and lets fast-check shrink it (each try on a live
 * process: a crash restarts it). Stats of these tries go to a throwaway counter.
 */
export async function shrinkFailure<T>(target: Target<T>, env: TargetEnv, failure: LaneFailure, timeLimitMs: number): Promise<void> {
  const quiet: TargetEnv = { ...env, stats: new TargetStats() };
  const property = fc.asyncProperty(target.arbitrary, (input) => checkOne(target, input, quiet, new RecentInputs(), true));
  const details = await fc.check(property, { seed: failure.seed, path: failure.path, numRuns: 1, plugins: [fc.interruptAfterTimeLimit(timeLimitMs)] });
  failure.reproduced = details.failed;
  if (details.failed && details.counterexample) {
    failure.shrunk = (details.counterexample as unknown[])[0];
    failure.shrunkMessage = messageOf(details.errorInstance);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
