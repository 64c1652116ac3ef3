// Shapes of the RESP2 replies the Redis adapter reads (the connections are opened with
// `protocol: 2` so that these shapes hold; RESP3 turns XREAD's reply into a map).

/** One stream entry: [id, [field, value, …]]; fields are null for an entry deleted while pending. */
export type RawEntry = [id: string, fields: string[] | null];

/** The body field of every entry Baton writes. */
export const BODY_FIELD = 'b';

/** XREAD / XREADGROUP reply for one stream: [[key, entries]] or null on timeout. */
export function entriesOfRead(reply: unknown): RawEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const stream = reply[0] as [string, RawEntry[]];
  return stream[1];
}

/** The JSON text of an entry's body field, or undefined when the entry has none. */
export function bodyText(entry: RawEntry): string | undefined {
  const fields = entry[1];
  if (!fields) return undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === BODY_FIELD) return fields[i + 1];
  }
  return undefined;
}

/** Summary XPENDING reply: [count, minId, maxId, [[consumer, count], …]]. */
export function pendingCount(reply: unknown): number {
  return Array.isArray(reply) ? Number(reply[0]) : 0;
}

/** The stream or its group is gone (Redis lost the key, or someone deleted it): recreate it.
 *  NOGROUP from a command (inside a script too); UNBLOCKED from a read blocked on the deleted key. */
export function isNoGroupError(error: unknown): boolean {
  return error instanceof Error && (/\bNOGROUP\b/.test(error.message) || /^UNBLOCKED the stream key no longer exists/.test(error.message));
}

export function isBusyGroupError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('BUSYGROUP');
}

/** A pipeline's results: [error, result] per command, or null when it was not run. */
export type PipelineResults = [error: Error | null, result: unknown][] | null;

/** Throws the first error of a pipeline's results that `ignore` does not accept. */
export function throwFirstError(results: PipelineResults, ignore: (error: unknown) => boolean = () => false): void {
  for (const [error] of results ?? []) {
    if (error && !ignore(error)) throw error;
  }
}
