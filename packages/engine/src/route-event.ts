// Delivers a CloudEvent (posted to the API or emitted by a run) to the runs listening for it.
// Matching is the interpreter's (matchEvent); consumption (one/any/all/until) is decided by the
// run itself when the message reaches it.
import { Queues, type Bus, type CloudEvent, type ListenRecord, type RunnerMessage, type Store } from '@baton/core';
import { matchEvent } from '@baton/core/interpreter';

/**
 * Listens whose filters accept the event (a listen matches when any of its filters does). A filter
 * that cannot be evaluated on this event (a jq error on its data) does not match: one run's odd
 * filter must not fail the publisher.
 */
export function matchingListens(listens: readonly ListenRecord[], event: CloudEvent): ListenRecord[] {
  const matches = (filter: ListenRecord['filters'][number]) => {
    try {
      return matchEvent(filter, event);
    } catch {
      return false;
    }
  };
  return listens.filter((listen) => listen.filters.some(matches));
}

/**
 * Finds the matching listens, lets `visible` narrow them (e.g. to a key's namespace), and
 * enqueues one runner message per listen. Returns the listens the event was delivered to.
 */
export async function routeCloudEvent(
  store: Store,
  bus: Bus,
  event: CloudEvent,
  visible: (listens: ListenRecord[]) => Promise<ListenRecord[]> | ListenRecord[] = (listens) => listens,
): Promise<ListenRecord[]> {
  const matched = await visible(matchingListens(await store.listensForType(event.type), event));
  const messages: RunnerMessage[] = matched.map((listen) => ({ type: 'event', runId: listen.runId, listenId: listen.listenId, event }));
  if (messages.length > 0) await bus.enqueue(Queues.runner, messages);
  return matched;
}
