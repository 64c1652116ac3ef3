// The fanout's inputs (port 8085): WebSocket sessions (credentials, then frames: subscribe and
// unsubscribe messages with hostile run ids and positions, invalid JSON, binary and oversized
// frames), upgrade requests with odd targets and headers, raw bytes after a handshake, and SSE
// requests with odd run ids, positions, Last-Event-ID and credentials.
import fc from 'fast-check';
import { NS, ref } from '../fixtures.ts';
import type { Bytes, HttpInput } from '../wire.ts';
import { anyJson, anyNumber, anyString, deepJsonText, jsonTextOf, nastyString, segmentOf } from './hostile.ts';

export type Credential = 'admin' | 'user' | 'other' | 'token' | 'token-query' | 'token-other' | 'none' | 'forged' | 'key-in-query';

export type Frame = { text: string } | { binary: Bytes };

export type WsInput =
  | { kind: 'session'; credential: Credential; protocol?: string; frames: Frame[] }
  | { kind: 'upgrade'; request: HttpInput }
  | { kind: 'raw-frames'; bytes: Bytes };

export const MESSAGE_LIMIT = 16_384;

const runId = fc.oneof(
  { arbitrary: fc.constantFrom(ref('run.done'), ref('run.waiting'), ref('run.child'), ref('run.parent'), ref('run.approval')), weight: 6 },
  { arbitrary: fc.oneof(anyString, nastyString, fc.constantFrom('a'.repeat(300), 'a'.repeat(301), `${ref('run.done')}.x`, '01a21cb2-d806-71be-bbf0-ce5b7b04d866')), weight: 3 },
  { arbitrary: fc.oneof(anyNumber, fc.constant(null), fc.constant([]), fc.constant({})) as fc.Arbitrary<unknown>, weight: 1 },
);
const after = fc.oneof(fc.constantFrom(0, 1, 2, 3, 5, 100, 2147483647, 2147483648, 9007199254740991, 9007199254740992, -1, 0.5, 1e308), anyNumber, fc.constantFrom('1', null, true) as fc.Arbitrary<unknown>);
const name = fc.oneof({ arbitrary: fc.constantFrom(NS, 'other', 'hello', 'gate'), weight: 3 }, { arbitrary: anyString, weight: 2 });
const requestId = fc.oneof(fc.constant(undefined), fc.integer(), fc.string({ maxLength: 10 }), fc.constantFrom('x'.repeat(101), null, { nested: [[[]]] }) as fc.Arbitrary<unknown>);

const selector = fc.oneof(
  { arbitrary: fc.record({ run: runId, after }, { requiredKeys: ['run'] }), weight: 5 },
  { arbitrary: fc.record({ workflow: fc.record({ namespace: name, name }) }), weight: 2 },
  { arbitrary: fc.record({ namespace: name }), weight: 2 },
  { arbitrary: fc.oneof(anyJson, fc.record({ run: runId, namespace: name }), fc.record({ workflow: name })), weight: 1 },
);

const message = fc.tuple(fc.constantFrom('subscribe', 'subscribe', 'unsubscribe', 'Subscribe', 'ping'), selector, requestId, fc.option(fc.dictionary(anyString, anyJson, { maxKeys: 2 }), { nil: undefined })).map(([verb, sel, id, extra]) => ({ ...(extra ?? {}), [verb]: sel, ...(id !== undefined && { id }) }));

/** Messages the server accepts, so that sessions also subscribe, replay and unsubscribe. */
const validMessage = fc.record({
  verb: fc.constantFrom('subscribe', 'subscribe', 'unsubscribe'),
  selector: fc.oneof(
    fc.record({ run: fc.constantFrom(ref('run.done'), ref('run.waiting'), ref('run.child'), ref('run.parent'), ref('run.approval')), after: fc.nat(8) }, { requiredKeys: ['run'] }),
    fc.record({ workflow: fc.record({ namespace: fc.constant(NS), name: fc.constantFrom('hello', 'gate') }) }),
    fc.record({ namespace: fc.constantFrom(NS, 'other') }),
  ),
  id: fc.option(fc.oneof(fc.nat(), fc.string({ maxLength: 8 })), { nil: undefined }),
}).map(({ verb, selector: sel, id }) => ({ [verb]: sel, ...(id !== undefined && { id }) }));

export const frame: fc.Arbitrary<Frame> = fc.oneof(
  { arbitrary: validMessage.map((m) => ({ text: JSON.stringify(m) })), weight: 8 },
  { arbitrary: message.map((m) => ({ text: JSON.stringify(m) })), weight: 6 },
  { arbitrary: jsonTextOf(message).map((text) => ({ text })), weight: 3 },
  { arbitrary: fc.oneof(anyString, fc.constantFrom('', 'null', '[]', '{}', '"subscribe"', '{"subscribe":', '\u0000', '1e400')).map((text) => ({ text })), weight: 2 },
  { arbitrary: fc.constantFrom(1_000, 8_000, 16_000).map((d) => ({ text: deepJsonText(d, 'array') })), weight: 1 },
  { arbitrary: fc.constantFrom(MESSAGE_LIMIT - 1, MESSAGE_LIMIT, MESSAGE_LIMIT + 1, 1_000_000).map((n) => ({ text: JSON.stringify({ subscribe: { run: 'a'.repeat(n) } }).slice(0, n).padEnd(n, ' ') })), weight: 1 },
  { arbitrary: fc.oneof(fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)), message.map((m) => Buffer.from(JSON.stringify(m)))).map((b) => ({ binary: { base64: b.toString('base64') } })), weight: 2 },
);

const credential = fc.oneof({ arbitrary: fc.constant<Credential>('admin'), weight: 6 }, { arbitrary: fc.constantFrom<Credential>('user', 'other', 'token', 'token-query', 'token-other', 'none', 'forged', 'key-in-query'), weight: 4 });

const UPGRADE_TARGETS = ['/v1/stream', '/v1/stream', '//', '/v1/stream/', '/V1/stream', '/v1//stream', '*', 'http://localhost/v1/stream', '/v1/stream#x', '/%ZZ', '/v1/stream?token=%00', '/v1/stream?token=%ZZ', `/v1/stream?token=${ref('token')}`, `/v1/stream?token=${ref('key.admin')}`, '/v1/runs/x/events/stream', '/health', '/v1/stream?x=1&x=2', `/${'a'.repeat(9000)}`, '/v1/stream\u0000'];
const UPGRADE_HEADERS: Array<[string, string]> = [['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='], ['Sec-WebSocket-Key', 'short'], ['Sec-WebSocket-Key', ''], ['Sec-WebSocket-Version', '8'], ['Sec-WebSocket-Version', 'x'], ['Sec-WebSocket-Protocol', 'baton.stream.v1'], ['Sec-WebSocket-Protocol', 'a, b, baton.stream.v1'], ['Sec-WebSocket-Protocol', ',,,'], ['Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits'], ['Authorization', `Bearer ${ref('key.admin')}`], ['Authorization', `Bearer ${ref('token')}`], ['Authorization', 'Bearer'], ['Authorization', `Bearer ${'x'.repeat(8000)}`], ['Connection', 'keep-alive, Upgrade'], ['Upgrade', 'WebSocket'], ['Upgrade', 'h2c'], ['Origin', 'http://evil.example'], ['Host', ''], ['Content-Length', '5']];

const upgrade: fc.Arbitrary<WsInput> = fc.record({
  target: fc.oneof(fc.constantFrom(...UPGRADE_TARGETS), segmentOf(anyString).map((s) => `/${s}`)),
  method: fc.constantFrom('GET', 'GET', 'GET', 'POST', 'HEAD', 'OPTIONS'),
  headers: fc.subarray(UPGRADE_HEADERS, { maxLength: 6 }),
  basics: fc.boolean(),
}).map(({ target, method, headers, basics }) => ({
  kind: 'upgrade' as const,
  request: { method, target, raw: true, headers: [...(basics ? ([['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Version', '13']] as Array<[string, string]>) : []), ...headers] },
}));

/** Bytes after an accepted handshake: frames with any opcode, mask, length and fragmentation. */
const rawFrames: fc.Arbitrary<WsInput> = fc.array(
  fc.record({ fin: fc.boolean(), rsv: fc.nat(7), opcode: fc.nat(15), masked: fc.boolean(), payload: fc.uint8Array({ maxLength: 40 }), lengthCode: fc.constantFrom('exact', 'exact', 'exact', '126', '127', 'lie') }),
  { minLength: 1, maxLength: 4 },
).map((frames) => ({ kind: 'raw-frames' as const, bytes: { base64: Buffer.concat(frames.map(encodeFrame)).toString('base64') } }));

function encodeFrame(f: { fin: boolean; rsv: number; opcode: number; masked: boolean; payload: Uint8Array; lengthCode: string }): Buffer {
  const first = (f.fin ? 0x80 : 0) | (f.rsv << 4) | f.opcode;
  const mask = f.masked ? 0x80 : 0;
  const n = f.payload.length;
  let length: Buffer;
  if (f.lengthCode === '126') length = Buffer.from([mask | 126, n >> 8, n & 0xff]);
  else if (f.lengthCode === '127') length = Buffer.from([mask | 127, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  else if (f.lengthCode === 'lie') length = Buffer.from([mask | Math.min(125, n + 7)]);
  else length = Buffer.from([mask | Math.min(n, 125)]);
  const key = f.masked ? Buffer.from([1, 2, 3, 4]) : Buffer.alloc(0);
  const body = Buffer.from(f.payload).map((b, i) => (f.masked ? b ^ key[i % 4]! : b));
  return Buffer.concat([Buffer.from([first]), length, key, body]);
}

export const wsInput: fc.Arbitrary<WsInput> = fc.oneof(
  { arbitrary: fc.record({ credential, protocol: fc.option(fc.constantFrom('baton.stream.v1', 'other', 'baton.stream.v1, x'), { nil: undefined }), frames: fc.array(frame, { minLength: 1, maxLength: 6 }) }).map((s) => ({ kind: 'session' as const, ...s })), weight: 7 },
  { arbitrary: upgrade, weight: 2 },
  { arbitrary: rawFrames, weight: 1 },
);

/** One SSE request: a run, a position, credentials. */
export const sseInput: fc.Arbitrary<HttpInput> = fc.record({
  run: fc.oneof({ arbitrary: fc.constantFrom(ref('run.done'), ref('run.waiting'), ref('run.child'), ref('run.approval')), weight: 5 }, { arbitrary: segmentOf(anyString), weight: 3 }, { arbitrary: fc.constantFrom('%ZZ', '%00', 'a%E2%80', '..', '%2F', 'a'.repeat(400)), weight: 1 }),
  after: fc.option(fc.oneof({ arbitrary: fc.nat(6).map(String), weight: 4 }, { arbitrary: fc.constantFrom('2147483647', '2147483648', '999999999999999', '9999999999999999', '-1', '1.5', 'x', ''), weight: 2 }, { arbitrary: segmentOf(anyString), weight: 1 }), { nil: undefined }),
  lastEventId: fc.oneof({ arbitrary: fc.constant(undefined), weight: 6 }, { arbitrary: fc.oneof(fc.constantFrom('0', '2', '2147483648', '-1', 'abc', ' 1', '1 '), anyString), weight: 1 }),
  credential: fc.oneof({ arbitrary: fc.constantFrom('admin', 'admin', 'admin', 'token-query'), weight: 4 }, { arbitrary: fc.constantFrom('user', 'other', 'none', 'forged', 'key-in-query', 'token-other'), weight: 2 }),
  tail: fc.oneof({ arbitrary: fc.constant(''), weight: 12 }, { arbitrary: fc.constantFrom('/', '/x', '?token=', '?after=1&after=2', '#x'), weight: 2 }),
  method: fc.oneof({ arbitrary: fc.constant('GET'), weight: 12 }, { arbitrary: fc.constantFrom('HEAD', 'POST', 'OPTIONS'), weight: 2 }),
}).map(({ run, after: position, lastEventId, credential: cred, tail, method }) => {
  const query: string[] = [];
  if (position !== undefined) query.push(`after=${position}`);
  if (cred === 'token-query') query.push(`token=${ref('token')}`);
  if (cred === 'token-other') query.push(`token=${ref('token.other')}`);
  if (cred === 'key-in-query') query.push(`token=${ref('key.admin')}`);
  const headers: Array<[string, string]> = [];
  const auth = { admin: ref('key.admin'), user: ref('key.user'), other: ref('key.other'), forged: 'bt_forged_000000000000000000' } as Record<string, string>;
  if (auth[cred]) headers.push(['Authorization', `Bearer ${auth[cred]}`]);
  if (lastEventId !== undefined) headers.push(['Last-Event-ID', lastEventId.replace(/[\r\n]/g, '')]);
  headers.push(['Accept', 'text/event-stream']);
  return { method, target: `/v1/runs/${run}/events/stream${tail}${query.length ? `${tail.includes('?') ? '&' : '?'}${query.join('&')}` : ''}`, headers, raw: true };
});

