// A local OpenAI-compatible chat-completions server for tests and benchmarks, speaking the real
// wire protocol: POST /v1/chat/completions, JSON or (stream: true) Server-Sent Events with
// `data:` chunks, tool_calls deltas split across chunks, usage in the last chunk (with
// stream_options.include_usage), `data: [DONE]`; errors in OpenAI's `{error: {…}}` shape with
// Retry-After. Replies are scripted per test — a queue, or a function of the request — and every
// request is recorded so tests can assert what the model was sent.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { once } from 'node:events';

export interface ScriptedToolCall {
  id?: string;
  name: string;
  /** An object (sent as JSON) or the raw arguments string. */
  arguments: unknown;
}

export type ScriptedReply =
  | {
      content?: string;
      toolCalls?: ScriptedToolCall[];
      usage?: { prompt_tokens: number; completion_tokens: number };
      model?: string;
      finishReason?: string;
      /** Wait before answering (ms). */
      delayMs?: number;
      /** Streaming: wait between chunks (ms), and characters of content per chunk. */
      chunkDelayMs?: number;
      chunkSize?: number;
    }
  | { status: number; message?: string; code?: string; retryAfter?: string; delayMs?: number }
  /** Never answer (the client's timeout or a kill must end the request). */
  | { hang: true };

export interface RecordedRequest {
  n: number;
  /** Epoch ms (with sub-ms precision) when the request body was read, and when the answer was fully sent. */
  at: number;
  doneAt?: number;
  headers: IncomingHttpHeaders;
  body: any;
}

export type ReplyFunction = (request: RecordedRequest) => ScriptedReply | Promise<ScriptedReply>;

export interface FakeOpenAI {
  /** Base URL for the client (OPENAI_BASE_URL), ending in /v1. */
  url: string;
  requests: RecordedRequest[];
  /** Replies used in order; when the queue is empty, the reply function answers. */
  enqueue(...replies: ScriptedReply[]): void;
  setReply(reply: ReplyFunction): void;
  close(): Promise<void>;
}

const DEFAULT_REPLY: ReplyFunction = () => ({ content: 'ok' });

export async function startFakeOpenAI(options: { reply?: ReplyFunction; apiKey?: string } = {}): Promise<FakeOpenAI> {
  const queue: ScriptedReply[] = [];
  const requests: RecordedRequest[] = [];
  let replyFn = options.reply ?? DEFAULT_REPLY;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) return sendError(res, 404, `no route ${req.method} ${req.url}`, 'not_found');
      if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) return sendError(res, 401, 'Incorrect API key provided', 'invalid_api_key');
      let body: any;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString());
      } catch {
        return sendError(res, 400, 'the body is not JSON', 'invalid_request_error');
      }
      const request: RecordedRequest = { n: requests.length + 1, at: performance.timeOrigin + performance.now(), headers: req.headers, body };
      requests.push(request);
      void Promise.resolve(queue.shift() ?? replyFn(request))
        .then((reply) => answer(res, body, reply))
        .then(() => void (request.doneAt = performance.timeOrigin + performance.now()));
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}/v1`,
    requests,
    enqueue: (...replies) => void queue.push(...replies),
    setReply: (reply) => void (replyFn = reply),
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function answer(res: ServerResponse, body: any, reply: ScriptedReply): Promise<void> {
  if ('hang' in reply) return;
  if (reply.delayMs) await sleep(reply.delayMs);
  if ('status' in reply) return sendError(res, reply.status, reply.message ?? `scripted ${reply.status}`, reply.code ?? (reply.status === 429 ? 'rate_limit_exceeded' : 'server_error'), reply.retryAfter);
  const id = `chatcmpl-${Math.random().toString(36).slice(2, 10)}`;
  const model = reply.model ?? body.model ?? 'fake';
  const calls = (reply.toolCalls ?? []).map((call, i) => ({ id: call.id ?? `call_${id.slice(-6)}_${i}`, name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) }));
  const content = reply.content ?? (calls.length > 0 ? null : '');
  const usage = reply.usage ?? { prompt_tokens: Math.ceil(JSON.stringify(body.messages ?? []).length / 4), completion_tokens: Math.ceil(((content ?? '') + calls.map((c) => c.arguments).join('')).length / 4) + 1 };
  const totals = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
  const finishReason = reply.finishReason ?? (calls.length > 0 ? 'tool_calls' : 'stop');
  const created = Math.floor(Date.now() / 1000);
  if (body.stream !== true) {
    const message = { role: 'assistant', content, ...(calls.length > 0 ? { tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) } : {}), refusal: null };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id, object: 'chat.completion', created, model, choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }], usage: totals }));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = async (delta: object, finish: string | null = null) => {
    if (res.destroyed) return;
    res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`);
    if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
  };
  await send({ role: 'assistant', content: '' });
  const size = reply.chunkSize ?? 4;
  for (let i = 0; content && i < content.length; i += size) await send({ content: content.slice(i, i + size) });
  for (const [index, call] of calls.entries()) {
    await send({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] });
    // Arguments in three pieces, as providers split them.
    const third = Math.ceil(call.arguments.length / 3) || 1;
    for (let i = 0; i < call.arguments.length; i += third) await send({ tool_calls: [{ index, function: { arguments: call.arguments.slice(i, i + third) } }] });
  }
  await send({}, finishReason);
  if (body.stream_options?.include_usage) res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: totals })}\n\n`);
  res.end('data: [DONE]\n\n');
}

function sendError(res: ServerResponse, status: number, message: string, code: string, retryAfter?: string): void {
  const type = status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error';
  res.writeHead(status, { 'content-type': 'application/json', ...(retryAfter !== undefined ? { 'retry-after': retryAfter } : {}) });
  res.end(JSON.stringify({ error: { message, type, param: null, code } }));
}
