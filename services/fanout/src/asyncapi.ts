// GET /asyncapi.json: the stream protocol as an AsyncAPI 3.0 document — the machine-readable
// companion of docs/STREAMING.md, as /openapi.json is of docs/API.md. The client message schemas
// are generated from the zod schemas the server validates with; the server messages are
// declared here next to them.
import { z } from 'zod';
import { ClientMessage, PROTOCOL, Selector } from './protocol.ts';

const Problem = z.looseObject({ type: z.string(), title: z.string(), status: z.number().int(), detail: z.string() });
const RequestId = z.union([z.string(), z.number()]).optional();
const CloudEvent = z.looseObject({
  specversion: z.literal('1.0'),
  id: z.string(),
  source: z.string(),
  type: z.string(),
  time: z.string(),
  subject: z.string(),
  datacontenttype: z.literal('application/json'),
  data: z.unknown(),
  runid: z.string(),
  seq: z.number().int().min(1),
});

const serverMessages = {
  event: CloudEvent,
  hello: z.object({
    hello: z.object({
      protocol: z.literal(PROTOCOL),
      key: z.string(),
      namespace: z.string().optional(),
      limits: z.object({ bufferBytes: z.number().int(), subscriptions: z.number().int(), messageBytes: z.number().int() }),
      pingIntervalMs: z.number().int(),
    }),
  }),
  subscribed: z.object({ subscribed: Selector, id: RequestId }),
  unsubscribed: z.object({ unsubscribed: Selector, id: RequestId }),
  caughtUp: z.object({ caughtUp: z.object({ run: z.string(), seq: z.number().int() }), id: RequestId }),
  error: z.object({ error: Problem, id: RequestId }),
};

const schema = (type: z.ZodType) => z.toJSONSchema(type, { unrepresentable: 'any' });

let cached: string | undefined;

export function asyncApiDocument(): string {
  cached ??= JSON.stringify(build());
  return cached;
}

function build(): Record<string, unknown> {
  const messages: Record<string, unknown> = {
    clientMessage: { name: 'subscribe / unsubscribe', contentType: 'application/json', payload: schema(ClientMessage) },
  };
  for (const [name, type] of Object.entries(serverMessages)) messages[name] = { name, contentType: 'application/json', payload: schema(type) };
  const ref = (name: string) => ({ $ref: `#/components/messages/${name}` });
  const channelRef = (name: string) => ({ $ref: `#/channels/${name}` });
  const server = Object.keys(serverMessages);
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Baton fanout: live streams of run events',
      version: PROTOCOL,
      description: 'WebSocket protocol and SSE fallback of the fanout service (port 8085). Reference with resume rules and close codes: docs/STREAMING.md.',
    },
    channels: {
      stream: {
        address: '/v1/stream',
        title: 'WebSocket (Authorization: Bearer <api key | stream token>, or ?token=<stream token>)',
        messages: Object.fromEntries(['clientMessage', ...server].map((name) => [name, ref(name)])),
      },
      runEvents: {
        address: '/v1/runs/{id}/events/stream',
        title: 'Server-Sent Events of one run (Last-Event-ID or ?after= resumes)',
        parameters: { id: { description: 'run id' } },
        messages: Object.fromEntries(server.filter((name) => name !== 'hello').map((name) => [name, ref(name)])),
      },
    },
    operations: {
      subscribe: { action: 'send', channel: channelRef('stream'), messages: [{ $ref: '#/channels/stream/messages/clientMessage' }] },
      receive: { action: 'receive', channel: channelRef('stream'), messages: server.map((name) => ({ $ref: `#/channels/stream/messages/${name}` })) },
      receiveSse: { action: 'receive', channel: channelRef('runEvents'), messages: server.filter((name) => name !== 'hello').map((name) => ({ $ref: `#/channels/runEvents/messages/${name}` })) },
    },
    components: { messages },
  };
}
