// The Store port's outbox rows (see RunnerTx and Store in store.ts; packages/engine/src/outbox.ts):
// a transaction writes, beside its state, a row for every effect outside PostgreSQL.
import type { RunnerMessage, TaskMessage } from './messages.ts';

/** What a relay row hands to the transport: attempts to enqueue, run events to publish. */
export interface RelayBody {
  /** Attempt ids (their payload is the task message); only attempts still scheduled are sent. */
  tasks: string[];
  /** [runId, first seq, last seq] of events appended by the transaction. */
  events: [string, number, number][];
  /** Task messages for attempts that already exist (e.g. an approval's notice after an escalation). */
  inline?: TaskMessage[];
}

export type OutboxRow =
  | { id: string; kind: 'runner'; runId: string; body: RunnerMessage }
  | { id: string; kind: 'relay'; body: RelayBody };

export type NewOutboxRow = OutboxRow & {
  /** When a sweeper sends the row if it is still there (ms from now). */
  relayAfterMs: number;
};

/** A due outbox row claimed by one sweeper (its relayAt moved forward). */
export type ClaimedOutboxRow = OutboxRow & { relays: number };
