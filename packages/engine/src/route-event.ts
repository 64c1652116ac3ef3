// Delivers a CloudEvent (posted to the API or emitted by a run) to the runs listening for it.
// Matching is the interpreter's (matchEvent); consumption (one/any/all/until) is decided by the
// run itself when the message reaches it.
import { Queues, type Bus, type CloudEvent, type RunnerMessage, type Store } from '@baton/core';
import { matchEvent } from '@baton/core/interpreter';

export async function routeCloudEvent(store: Store, bus: Bus, event: CloudEvent): Promise<number> {
  const listens = await store.listensForType(event.type);
  const messages: RunnerMessage[] = [];
  for (const listen of listens) {
    if (listen.filters.some((filter) => matchEvent(filter, event))) {
      messages.push({ type: 'event', runId: listen.runId, listenId: listen.listenId, event });
    }
  }
  if (messages.length > 0) await bus.enqueue(Queues.runner, messages);
  return messages.length;
}
