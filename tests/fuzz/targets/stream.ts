// The fanout (port 8085): WebSocket sessions, upgrade requests and raw frames, and SSE requests.
// A WebSocket session fails on an `error` whose status is >= 500, a close 1011, a close nobody
// asked for, or a message left unanswered; an SSE request on a 5xx, an `event: error` of 5xx,
// or a stream that never catches up.
import { createHash } from 'node:crypto';
import { WebSocket } from 'ws';
import { resolve, type Fixtures } from '../fixtures.ts';
import { MESSAGE_LIMIT, sseInput, wsInput, type Credential, type Frame, type WsInput } from '../gen/stream.ts';
import type { Target, TargetEnv } from '../lane.ts';
import { exchange, onSocket, viaSocket, type HttpInput } from '../wire.ts';
import { describe, judge, resolveInput } from './rest.ts';


function credentials(credential: Credential, fixtures: Fixtures): { query: string; headers: Record<string, string> } {
  const bearer = (secret: string | undefined) => ({ query: '', headers: { authorization: `Bearer ${secret}` } });
  switch (credential) {
    case 'admin':
      return bearer(fixtures['key.admin']);
    case 'user':
      return bearer(fixtures['key.user']);
    case 'other':
      return bearer(fixtures['key.other']);
    case 'token':
      return bearer(fixtures.token);
    case 'forged':
      return bearer('bt_forged_000000000000000000');
    case 'token-query':
      return { query: `?token=${fixtures.token}`, headers: {} };
    case 'token-other':
      return { query: `?token=${fixtures['token.other']}`, headers: {} };
    case 'key-in-query':
      return { query: `?token=${fixtures['key.admin']}`, headers: {} };
    default:
      return { query: '', headers: {} };
  }
}

function frameBytes(frame: Frame, fixtures: Fixtures): { data: Buffer | string; binary: boolean; size: number } {
  if ('binary' in frame) {
    const data = Buffer.from(frame.binary.base64, 'base64');
    return { data, binary: true, size: data.length };
  }
  const text = resolve(frame.text, fixtures);
  return { data: text, binary: false, size: Buffer.byteLength(text) };
}

interface Session {
  socket: WebSocket;
  messages: any[];
  closed?: { code: number; reason: string };
  wake: () => void;
  waiter?: () => void;
}

/** Opens a connection; a refused handshake is its HTTP status. */
function open(url: string, headers: Record<string, string>, protocol: string | undefined, timeoutMs: number): Promise<Session | { refused: number } | { failed: string }> {
  return onSocket('ws WebSocket', () => new Promise((done) => {
    const socket = new WebSocket(url, protocol ? protocol.split(',').map((p) => p.trim()) : [], { headers, handshakeTimeout: timeoutMs });
    const session: Session = { socket, messages: [], wake: () => session.waiter?.() };
    socket.on('message', (data) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(data.toString());
      } catch {
        parsed = { unparsable: data.toString().slice(0, 200) };
      }
      session.messages.push(parsed);
      session.wake();
    });
    socket.on('close', (code, reason) => {
      session.closed = { code, reason: reason.toString() };
      session.wake();
    });
    socket.once('open', () => done(session));
    socket.once('unexpected-response', (_req, res) => {
      res.resume();
      done({ refused: res.statusCode ?? 0 });
      socket.terminate();
    });
    // Every error, not only the first: a second one (a write after the server closed) would be unhandled.
    // ws itself keeps a listener on its TCP socket from the handshake's request to the end (socketOnError).
    socket.on('error', (error) => done({ failed: error.message }));
  }));
}

/** The next message matching `pick` (removed from the queue), the close, or undefined after the timeout. */
async function next(session: Session, pick: (m: any) => boolean, timeoutMs: number): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const index = session.messages.findIndex(pick);
    if (index !== -1) return session.messages.splice(index, 1)[0];
    if (session.closed) return undefined;
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    await new Promise<void>((wake) => {
      const timer = setTimeout(wake, left);
      session.waiter = () => {
        clearTimeout(timer);
        wake();
      };
    });
  }
}

const isAnswer = (m: any) => m && typeof m === 'object' && ('subscribed' in m || 'unsubscribed' in m || 'error' in m);

async function runSession(input: Extract<WsInput, { kind: 'session' }>, env: TargetEnv): Promise<string | undefined> {
  const { query, headers } = credentials(input.credential, env.fixtures);
  const url = `${env.baton.fanoutUrl.replace(/^http/, 'ws')}/v1/stream${query}`;
  const opened = await open(url, headers, input.protocol, env.hangMs);
  if ('failed' in opened && /no subprotocol|Invalid Sec-WebSocket-Protocol/.test(opened.failed)) {
    // The server answered 101 without the protocol offered (it speaks baton.stream.v1 only): the ws client gives up.
    env.stats.record({ status: 101, ms: 0 });
    return undefined;
  }
  if ('failed' in opened) {
    env.stats.record({ status: 0, ms: 0, error: opened.failed }, 'ws handshake');
    return /timeout|timed out/i.test(opened.failed) ? `HANG: the WebSocket handshake got no answer: ${opened.failed}` : undefined;
  }
  if ('refused' in opened) {
    env.stats.record({ status: opened.refused, ms: 0 });
    return opened.refused >= 500 ? `the WebSocket handshake was refused with ${opened.refused} (${input.credential})` : undefined;
  }
  const session = opened;
  try {
    const hello = await next(session, (m) => m && 'hello' in m, env.hangMs);
    if (!hello) return `no hello within ${env.hangMs} ms (closed: ${JSON.stringify(session.closed)})`;
    for (const frame of input.frames) {
      const { data, binary, size } = frameBytes(frame, env.fixtures);
      env.stats.sent++;
      onSocket('ws WebSocket', () => session.socket.send(data, { binary }));
      const answer = await next(session, isAnswer, env.hangMs);
      if (size > MESSAGE_LIMIT) {
        env.stats.count(`close ${session.closed?.code ?? 'none'}`);
        if (answer === undefined && session.closed?.code !== 1009) return `a ${size}-byte message did not close the connection with 1009 (closed: ${JSON.stringify(session.closed)})`;
        break;
      }
      if (answer === undefined) return session.closed ? `the server closed the connection (${JSON.stringify(session.closed)}) after a ${size}-byte message` : `HANG: no answer to a message within ${env.hangMs} ms`;
      const status = answer.error?.status as number | undefined;
      env.stats.count(status !== undefined ? `error ${status}` : 'subscribed' in answer ? 'subscribed' : 'unsubscribed');
      if (status !== undefined && (typeof status !== 'number' || status >= 500)) return `an error message with status ${status}: ${JSON.stringify(answer.error).slice(0, 400)}`;
    }
    if (session.closed?.code === 1011) return `the connection was closed with 1011 (${session.closed.reason})`;
    return undefined;
  } finally {
    session.socket.terminate();
  }
}

const wsKey = () => createHash('sha1').update(String(Math.random())).digest('base64').slice(0, 22) + '==';

async function runUpgrade(request: HttpInput, env: TargetEnv): Promise<string | undefined> {
  const resolved = resolveInput(request, env.fixtures);
  const answer = await viaSocket(env.baton.fanoutUrl, resolved, env.hangMs, (text) => text.includes('\r\n\r\n'));
  return judge(answer, env, `upgrade ${describe(resolved)}`);
}

async function runRawFrames(bytes: Buffer, env: TargetEnv): Promise<string | undefined> {
  const { hostname, port } = new URL(env.baton.fanoutUrl);
  const handshake = `GET /v1/stream HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${wsKey()}\r\nAuthorization: Bearer ${env.fixtures['key.admin']}\r\n\r\n`;
  // The frames follow the handshake at once; the server reads them after its 101.
  const answer = await exchange(hostname, Number(port), Buffer.concat([Buffer.from(handshake), bytes]), { timeoutMs: 2_000 });
  env.stats.record({ status: answer.status, ms: answer.ms, ...(answer.error && { error: answer.error }) }, 'raw frames after a handshake');
  if (answer.status >= 500) return `${answer.status} to a handshake followed by raw frames`;
  return undefined;
}

export function websocketTarget(): Target<WsInput> {
  return {
    name: 'websocket',
    arbitrary: wsInput,
    async run(input, env) {
      if (input.kind === 'session') return runSession(input, env);
      if (input.kind === 'upgrade') return runUpgrade(input.request, env);
      return runRawFrames(Buffer.from(input.bytes.base64, 'base64'), env);
    },
  };
}

export function sseTarget(): Target<HttpInput> {
  return {
    name: 'sse',
    arbitrary: sseInput,
    async run(input, env) {
      const resolved = resolveInput(input, env.fixtures);
      const answer = await viaSocket(env.baton.fanoutUrl, resolved, env.hangMs, (text) => /\r\n\r\n/.test(text) && (!/^HTTP\/1\.1 200/.test(text) || /event: (caughtUp|error|close)/.test(text)));
      const failure = judge(answer, env, `SSE ${describe(resolved)}`);
      if (failure) return failure;
      if (answer.status === 200 && resolved.method === 'GET') {
        const error = /event: error\ndata: (.*)\n/.exec(answer.body)?.[1];
        if (error && Number(JSON.parse(error).status) >= 500) return `SSE stream ended with an error event: ${error.slice(0, 300)}`;
        if (!/event: (caughtUp|close)/.test(answer.body)) return `HANG: the SSE stream did not catch up within ${env.hangMs} ms: ${answer.body.slice(0, 300)}`;
      }
      return undefined;
    },
  };
}
