// The engine's side of the outbox (packages/store/migrations/0005_outbox.sql). A transaction that
// changes state writes, beside it, a row for every effect outside PostgreSQL; after the commit the
// same process hands them to the transport at once (`relay`), and a sweeper sends again whatever a
// crash or a lost transport left behind (`relayClaimed`).
//   runner rows  one runner message each, deleted by the transaction that applies the message;
//                the message carries the row's id (`outboxId`) so that a copy is recognised
//   relay rows   attempts to enqueue and events to publish, deleted once relayed
import { Queues, RUN_ENDED_TYPES, Topics, uuidv7, type Bus, type ClaimedOutboxRow, type NewOutboxRow, type PublishedEvent, type RunEnd, type RunEndedNotice, type RunnerMessage, type Store, type TaskKind, type TaskMessage } from '@baton/core';
import type { Logger } from 'pino';

/** A runner row not applied this long after it was written is sent again (then with backoff). */
export const RUNNER_ROW_RESEND_MS = 5_000;
/** A relay row still there this long after its commit was not relayed (the process died): send it. */
export const RELAY_ROW_RESEND_MS = 3_000;
/**
 * Relay rows relayed within this window are deleted by one statement. Far below RELAY_ROW_RESEND_MS,
 * so no sweeper sends them again meanwhile; it saves a commit (and its fsync) per batch.
 */
export const RELAYED_DELETE_WINDOW_MS = 50;

/** What one committed transaction hands to the transport. */
export interface Relay {
  /** The relay row (tasks and events); deleted once they are on the transport. */
  rowId?: string;
  tasks: TaskMessage[];
  events: PublishedEvent[];
  /** Runner messages, each with the `outboxId` of its row. */
  runner: RunnerMessage[];
  /** What the runs this transaction ended look like once it commits (their `runs.ended` notices carry it). */
  ends?: Map<string, RunEnd>;
}

export function emptyRelay(): Relay {
  return { tasks: [], events: [], runner: [] };
}

/** Rows for runner messages; the messages get their `outboxId` (and go into `relay.runner`). */
export function runnerRows(messages: readonly RunnerMessage[], relay: Relay): NewOutboxRow[] {
  return messages.map((message) => {
    // Time-ordered ids: a sweeper sends the rows of one transaction in the order they were written.
    const id = uuidv7();
    const body = { ...message, outboxId: id } as RunnerMessage;
    relay.runner.push(body);
    return { id, kind: 'runner', runId: message.runId, body, relayAfterMs: RUNNER_ROW_RESEND_MS };
  });
}

/** The relay row of a transaction's tasks and events, or none when it has neither. */
export function relayRow(relay: Relay, attemptIds: readonly string[], inline: readonly TaskMessage[]): NewOutboxRow | undefined {
  if (attemptIds.length === 0 && inline.length === 0 && relay.events.length === 0) return undefined;
  const ranges = new Map<string, [string, number, number]>();
  for (const event of relay.events) {
    const range = ranges.get(event.runId);
    if (range) range[2] = Math.max(range[2], event.seq);
    else ranges.set(event.runId, [event.runId, event.seq, event.seq]);
  }
  relay.rowId = uuidv7();
  const body = { tasks: [...attemptIds], events: [...ranges.values()], ...(inline.length > 0 ? { inline: [...inline] } : {}) };
  return { id: relay.rowId, kind: 'relay', body, relayAfterMs: RELAY_ROW_RESEND_MS };
}

/** Enqueue tasks by kind, runner messages, publish events (and the ends of runs) — one round trip each, in parallel. */
export async function send(bus: Bus, relay: Omit<Relay, 'rowId'>): Promise<void> {
  const ended = relay.events.filter((event) => RUN_ENDED_TYPES.has(event.type)).map((event): RunEndedNotice => {
    const end = relay.ends?.get(event.runId);
    return end ? { runId: event.runId, type: event.type, end } : { runId: event.runId, type: event.type };
  });
  const byKind = new Map<TaskKind, TaskMessage[]>();
  for (const task of relay.tasks) {
    const list = byKind.get(task.kind);
    if (list) list.push(task);
    else byKind.set(task.kind, [task]);
  }
  await Promise.all([
    ...[...byKind].map(([kind, tasks]) => bus.enqueue(Queues.tasks(kind), tasks)),
    relay.runner.length > 0 ? bus.enqueue(Queues.runner, relay.runner) : undefined,
    relay.events.length > 0 ? bus.publish(Topics.events, relay.events) : undefined,
    ended.length > 0 ? bus.publish(Topics.ended, ended) : undefined,
  ]);
}

/**
 * After a commit: hand everything to the transport, then delete the relay row. Never throws: what
 * could not be sent stays in the outbox and a sweeper sends it (the commit stands either way, so a
 * transport failure here must not make the caller retry the messages it applied).
 */
export async function relay(bus: Bus, logger: Logger, relay: Relay, relayed: RelayedRows): Promise<boolean> {
  try {
    await send(bus, relay);
  } catch (error) {
    logger.warn({ err: error, tasks: relay.tasks.length, runner: relay.runner.length, events: relay.events.length }, 'relay after commit failed; the outbox sweeper will send it');
    return false;
  }
  if (relay.rowId !== undefined) relayed.add(relay.rowId);
  return true;
}

/**
 * Relay rows whose messages are on the transport, deleted together: the first one relayed opens a
 * window of RELAYED_DELETE_WINDOW_MS, and one statement deletes what it gathered (not on any run's
 * path: the messages are sent already). A row whose delete is lost with the process is sent again
 * by a sweeper — at least once, as any relay.
 */
export class RelayedRows {
  #ids: string[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Pick<Store, 'deleteOutbox'>,
    /** Keeps the delete until the runner's stop() has waited for it. */
    private readonly background: (work: Promise<unknown>) => void,
  ) {}

  add(rowId: string): void {
    this.#ids.push(rowId);
    this.#timer ??= setTimeout(() => this.flush(), RELAYED_DELETE_WINDOW_MS);
  }

  /** Deletes what was gathered now (the window's end, or the runner stopping). */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const ids = this.#ids;
    this.#ids = [];
    if (ids.length > 0) this.background(this.store.deleteOutbox(ids));
  }
}

/**
 * A sweeper's relay of rows it claimed (claimOutbox): reads what relay rows refer to, sends, deletes
 * them. Task messages of attempts in `held` (an epoch's repair found them on the transport) are not sent.
 */
export async function relayClaimed(bus: Bus, store: Store, rows: readonly ClaimedOutboxRow[], held?: ReadonlySet<string>): Promise<void> {
  const runner: RunnerMessage[] = [];
  const relayIds: string[] = [];
  const attemptIds: string[] = [];
  const ranges: [string, number, number][] = [];
  const tasks: TaskMessage[] = [];
  for (const row of rows) {
    if (row.kind === 'runner') {
      runner.push({ ...row.body, outboxId: row.id } as RunnerMessage);
      continue;
    }
    relayIds.push(row.id);
    attemptIds.push(...row.body.tasks);
    ranges.push(...row.body.events);
    tasks.push(...(row.body.inline ?? []));
  }
  const [scheduled, events] = await Promise.all([store.scheduledTaskPayloads(attemptIds), store.eventsInRanges(ranges)]);
  tasks.push(...scheduled.filter((a) => a.kind !== 'workflow').map((a) => a.payload as TaskMessage));
  await send(bus, { tasks: held ? tasks.filter((task) => !held.has(task.attemptId)) : tasks, events, runner });
  await store.deleteOutbox(relayIds);
}

/**
 * For a request that triggers work (the API's cancel, an approval decision, an event delivery):
 * the messages are recorded in PostgreSQL before the caller answers, then relayed. Returns once
 * they are durable; a relay that fails is left to the sweeper (logged when a logger is given).
 */
export async function enqueueDurably(store: Store, bus: Bus, messages: readonly RunnerMessage[], logger?: Logger): Promise<void> {
  if (messages.length === 0) return;
  const pending = emptyRelay();
  await store.transaction((tx) => tx.insertOutbox(runnerRows(messages, pending)));
  await send(bus, pending).catch((error: unknown) => logger?.warn({ err: error, messages: messages.length }, 'relay failed; the outbox sweeper will send the messages'));
}
