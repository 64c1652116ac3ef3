// TokenStream on the in-process bus, with this test in the workflow-runner's place: it takes the
// `events` messages off the runner queue and publishes their events as committed, when it chooses.
import { createBus } from '@baton/bus';
import { Queues, Topics, type RunnerMessage } from '@baton/core';
import pino from 'pino';
import { afterEach, expect, it } from 'vitest';
import { CommitWatcher } from './commit-watcher.ts';
import { TokenStream } from './token-stream.ts';

const bus = createBus({ kind: 'memory' });
const logger = pino({ level: 'silent' });
afterEach(async () => {
  await bus.close();
});

type TokenData = { index: number; text: string; attempt?: number };

/** Takes the next token messages off the runner queue and "commits" them (publishes their events). */
async function commitNext(): Promise<TokenData[]> {
  const messages = await bus.consume<RunnerMessage>(Queues.runner, 'test-runner', { max: 100, blockMs: 1_000, visibilityMs: 60_000 });
  await bus.ack(Queues.runner, messages.map((m) => m.id));
  const events = messages.flatMap(({ body }) => (body.type === 'events' ? body.events.map((e) => ({ runId: body.runId, type: e.type, data: e.data })) : []));
  await bus.publish(Topics.events, events);
  return events.map((e) => e.data as TokenData);
}

it('a retried request restarts at index 0 with its attempt, and no text of the failed one opens it', async () => {
  const watcher = new CommitWatcher(bus, logger, 5_000);
  await watcher.start();
  const stream = new TokenStream(bus, watcher, { runId: 'r1', task: '/do/0/ask', turn: 1 }, 1, logger);
  stream.push('Hel', 1);
  await new Promise((resolve) => setTimeout(resolve, 20)); // flushed: 'Hel' is in flight, not yet committed
  stream.push('lo wor', 1); // gathered while 'Hel' waits for its commit…
  stream.push('Good', 2); // …then the request fails and is retried
  stream.push('bye', 2);
  const seen: TokenData[] = [];
  const closed = stream.close();
  const retried = () => seen.filter((d) => d.attempt === 2).map((d) => d.text).join('');
  while (!retried().endsWith('bye')) seen.push(...(await commitNext()));
  await closed;
  await watcher.stop();
  expect(seen[0]).toEqual({ task: '/do/0/ask', turn: 1, index: 0, text: 'Hel' });
  const second = seen.filter((d) => d.attempt === 2);
  expect(second.map((d) => d.index)).toEqual(second.map((_, i) => i));
  expect(retried()).toBe('Goodbye');
  expect(seen.filter((d) => d.attempt === undefined).map((d) => d.index)).toEqual([0]);
});
