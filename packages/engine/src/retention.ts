// The retention loop: every `intervalMs`, deletes the runs that ended longer than `retentionMs`
// ago, with everything they own (Store.deleteExpiredRuns), one small transaction per batch until
// a batch comes back short. Every workflow-runner runs it: batches claim their runs with SKIP
// LOCKED, so runners share the work and never do the same. Its failure rule: a failed sweep is
// logged and the next one retries; nothing else waits on it.
import { DurationError, parseDuration, type RetentionBatch, type Store } from '@baton/core';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';

export interface RetentionOptions {
  store: Store;
  logger: Logger;
  metrics: Registry;
  /** Runs that ended longer ago than this are deleted. */
  retentionMs: number;
  /** Pause between sweeps. */
  intervalMs?: number;
  /** Runs per transaction: small, so no sweep holds locks or a transaction for long. */
  batchSize?: number;
  /** Pause between two full batches of one sweep, so other work on the database goes first. */
  pauseMs?: number;
  clock?: () => number;
}

export const DEFAULT_RETENTION = 'P30D';
export const RETENTION_DEFAULTS = { intervalMs: 60_000, batchSize: 500, pauseMs: 50 } as const;

export class RetentionConfigError extends Error {
  override readonly name = 'RetentionConfigError';
}

/**
 * BATON_RETENTION: an ISO 8601 duration (weeks, days, hours, minutes, seconds: P30D, P2W, PT12H),
 * or `off` to keep every run for ever. Returns the retention in ms, or undefined for `off`.
 */
export function parseRetention(raw: string | undefined): number | undefined {
  const text = (raw ?? '').trim() || DEFAULT_RETENTION;
  if (text.toLowerCase() === 'off') return undefined;
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (error) {
    if (!(error instanceof DurationError)) throw error;
    throw new RetentionConfigError(`BATON_RETENTION must be an ISO 8601 duration such as P30D or PT12H, or off; got '${text}' (${error.message})`);
  }
  if (ms <= 0) throw new RetentionConfigError(`BATON_RETENTION must be longer than zero (or off to keep every run), got '${text}'`);
  return ms;
}

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  return (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
}

/** Starts the loop (the first sweep at once); the function returned stops it after the batch in hand. */
export function startRetention(options: RetentionOptions): () => Promise<void> {
  const { store, logger, retentionMs } = options;
  const intervalMs = options.intervalMs ?? RETENTION_DEFAULTS.intervalMs;
  const batchSize = options.batchSize ?? RETENTION_DEFAULTS.batchSize;
  const pauseMs = options.pauseMs ?? RETENTION_DEFAULTS.pauseMs;
  const clock = options.clock ?? Date.now;
  const deleted = counter(options.metrics, 'baton_retention_deleted_rows_total', 'Rows deleted by retention, by table (runs: the runs themselves)', ['table']);
  const sweeps = counter(options.metrics, 'baton_retention_sweeps_total', 'Retention sweeps, by outcome (ok, failed)', ['outcome']);
  const stopping = new AbortController();

  async function sweep(): Promise<void> {
    const olderThan = new Date(clock() - retentionMs);
    const total: RetentionBatch = { runs: 0, rows: {} };
    const started = performance.now();
    while (!stopping.signal.aborted) {
      const batch = await store.deleteExpiredRuns(olderThan, batchSize);
      total.runs += batch.runs;
      for (const [table, rows] of Object.entries(batch.rows)) {
        deleted.inc({ table }, rows);
        total.rows[table] = (total.rows[table] ?? 0) + rows;
      }
      if (batch.runs < batchSize) break;
      await pause(pauseMs, stopping.signal);
    }
    if (total.runs > 0) logger.info({ runs: total.runs, rows: total.rows, olderThan: olderThan.toISOString(), durationMs: Math.round(performance.now() - started) }, 'retention deleted expired runs');
  }

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      await sweep().then(
        () => sweeps.inc({ outcome: 'ok' }),
        (error: unknown) => {
          sweeps.inc({ outcome: 'failed' });
          logger.error({ err: error }, 'retention sweep failed; the next one retries');
        },
      );
      await pause(intervalMs, stopping.signal);
    }
  })();
  logger.info({ retentionMs, intervalMs, batchSize }, 'retention started');
  return async () => {
    stopping.abort();
    await loop;
  };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
