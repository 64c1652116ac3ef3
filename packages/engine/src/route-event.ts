// Delivers a CloudEvent (posted to the API or emitted by a run) to the runs listening for it.
// Matching is the interpreter's (matchEvent); consumption (one/any/all/until) is decided by the
// run itself when the message reaches it. Deliveries are outbox rows written in one transaction
// with the lookup, so a delivery the caller was told about is never lost.
import type { Bus, CloudEvent, ListenRecord, RunnerMessage, Store } from '@baton/core';
import { matchEvent } from '@baton/core/interpreter';
import type { Logger } from 'pino';
import { emptyRelay, runnerRows, send } from './outbox.ts';
import { scheduleEvent } from './schedules.ts';

/** Time limit of one filter expression evaluated on an incoming event. */
const FILTER_JQ_TIMEOUT_MS = 100;

/**
 * Listens whose filters accept the event (a listen matches when any of its filters does). A filter
 * that cannot be evaluated on this event (a jq error on its data) does not match: one run's odd
 * filter must not fail the publisher.
 */
export function matchingListens(listens: readonly ListenRecord[], event: CloudEvent): ListenRecord[] {
  const matches = (filter: ListenRecord['filters'][number]) => {
    try {
      // A filter's jq runs for every event of its type, for whoever posted it: a short time limit.
      return matchEvent(filter, event, { jqTimeoutMs: FILTER_JQ_TIMEOUT_MS });
    } catch {
      return false;
    }
  };
  return listens.filter((listen) => listen.filters.some(matches));
}

/** Where a posted event went: the listens it was delivered to, the runs `on` schedules started. */
export interface EventRouting {
  listens: ListenRecord[];
  runs: string[];
}

/**
 * Finds the matching listens (of runs in `namespace` when given: a namespace-restricted key
 * delivers only to its own runs) and the `on` schedules that consume the event (schedules.ts),
 * records one runner message per listen and the runs the schedules start in the outbox — one
 * transaction — and relays them.
 */
export async function routeCloudEvent(store: Store, bus: Bus, event: CloudEvent, namespace?: string, logger?: Logger): Promise<EventRouting> {
  const pending = emptyRelay();
  const routing = await store.transaction(async (tx) => {
    const listens = matchingListens(await tx.listensForType(event.type, namespace), event);
    const messages: RunnerMessage[] = listens.map((listen) => ({ type: 'event', runId: listen.runId, listenId: listen.listenId, event }));
    if (messages.length > 0) await tx.insertOutbox(runnerRows(messages, pending));
    const runs = await scheduleEvent(tx, event, namespace, pending);
    return { listens, runs };
  });
  if (pending.runner.length > 0) await send(bus, pending).catch((error: unknown) => logger?.warn({ err: error }, 'relaying event deliveries failed; the outbox sweeper will send them'));
  return routing;
}
