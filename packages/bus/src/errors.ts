// Small, named errors of the bus adapters. They are infrastructure errors (never shown to API
// users as such), so they carry a `code` to branch on rather than an RFC 9457 problem shape.

export type BusErrorCode = 'BUS_CLOSED' | 'BAD_TOPIC_POSITION' | 'BAD_MESSAGE';

export class BusError extends Error {
  override readonly name: string = 'BusError';
  constructor(readonly code: BusErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The bus was closed; create a new one (a closed bus never reopens). */
export class BusClosedError extends BusError {
  override readonly name = 'BusClosedError';
  constructor() {
    super('BUS_CLOSED', 'the bus is closed; no more calls are accepted');
  }
}

/** `subscribe(…, after)` got a position this bus cannot have produced. */
export class BadTopicPositionError extends BusError {
  override readonly name = 'BadTopicPositionError';
  constructor(position: string) {
    super('BAD_TOPIC_POSITION', `"${position}" is not a topic position: pass an entry id, "0" (all buffered) or "$" (only new)`);
  }
}
