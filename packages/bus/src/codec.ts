import { BusError } from './errors.ts';

// Both adapters carry bodies as JSON text. The in-process bus does too, on purpose: a body that
// would not survive Redis (a Date, a Map, a BigInt, undefined members) behaves the same way in
// the embedded mode, and every delivery parses its own copy, so no consumer can mutate a message
// another consumer (or a later redelivery) will see.

export function encodeBody(body: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(body);
  } catch (cause) {
    throw new BusError('BAD_MESSAGE', `message body is not JSON-serializable: ${String(cause)}`, { cause });
  }
  if (text === undefined) throw new BusError('BAD_MESSAGE', `message body of type ${typeof body} is not JSON-serializable`);
  return text;
}

export function decodeBody<T>(text: string): T {
  return JSON.parse(text) as T;
}
