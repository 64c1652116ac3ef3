// The agent benchmark: BENCH_AGENT_STEPS (default 100) agent steps run at once, each making
// BENCH_AGENT_TOOL_CALLS (default 5) tool calls — one per turn, so 6 model turns per step — against
// the local OpenAI-compatible server with zero model latency and a local HTTP tool that answers at
// once. Services are separate processes on the machine's PostgreSQL and Redis (BENCH_SERVICES —
// 1 orchestrator, 1 workflow-runner, 1 http-worker — and 1 agent-runner: BENCH_AGENT_RUNNERS
// measures more; 2 http-workers and 2 agent-runners up to stop 53, bench/README.md).
//
// Baton's overhead per model turn, measured on one clock (the fake server, the HTTP tool and the
// event times are all in or next to this process):
//   turnGapMs     model answer fully sent (turn k) -> request of turn k+1 arriving at the model
//                 server. Everything Baton does between two turns: the agent-runner publishes the
//                 turn, the runner commits it and dispatches the tool, the http-worker calls the
//                 tool (≈0 ms here) and publishes, the runner commits and dispatches the next turn,
//                 an agent-runner picks it up and sends the request.
//   dispatchMs    tool result committed (time of the tool.result event) -> next model request
//                 arriving: commit -> queue -> agent-runner -> provider.
//   turnCommitMs  model answer fully sent -> turn committed (time of the turn.completed event):
//                 stream end -> result message -> runner transaction.
// Nothing is left out: runs not completed (by status, with the wait's timeouts and errors),
// model and tool requests beyond the workload's count (a turn or a tool call done again), tool
// requests repeated under one Idempotency-Key, and messages reclaimed after a lease ran out.
import { createTestDatabase, createTestRedis, startCluster, startFakeOpenAI, startHttpTarget, type RecordedRequest, type ScriptedReply } from '@baton/testkit';
import { readInt } from '../packages/runtime/src/env.ts';
import { BENCH_SERVICES } from './deployments.ts';
import { api, counterDelta, log, machine, scrapeCounters, summary } from './lib.ts';

const steps = Number(process.env.BENCH_AGENT_STEPS ?? 100);
const toolCalls = Number(process.env.BENCH_AGENT_TOOL_CALLS ?? 5);
const services = { ...BENCH_SERVICES, 'agent-runner': readInt(process.env, 'BENCH_AGENT_RUNNERS', 1, 1) } as const;

interface Turn {
  n: number;
  turn: number;
  request: RecordedRequest;
}

function identify(request: RecordedRequest): { n: number; turn: number } {
  const messages = request.body.messages as Array<{ role: string; content: string | null }>;
  const n = Number(/agent (\d+)/.exec(messages.find((m) => m.role === 'user')?.content ?? '')?.[1]);
  return { n, turn: messages.filter((m) => m.role === 'assistant').length + 1 };
}

function script(request: RecordedRequest): ScriptedReply {
  const { n, turn } = identify(request);
  const usage = { prompt_tokens: 100 * turn, completion_tokens: 20 };
  if (turn <= toolCalls) return { toolCalls: [{ id: `a${n}t${turn}`, name: 'lookup', arguments: { n, turn } }], usage };
  return { content: `agent ${n} is done after ${toolCalls} tool calls`, usage };
}

export async function benchAgents(): Promise<Record<string, unknown>> {
  const db = await createTestDatabase('baton_bench');
  const redis = await createTestRedis();
  const target = await startHttpTarget();
  const fake = await startFakeOpenAI({ reply: script, apiKey: 'sk-bench' });
  const cluster = await startCluster({
    env: { ...db.env, REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix, OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: fake.url, AGENT_PRICES: JSON.stringify({ 'bench-model': { input: 0.15, output: 0.6 } }) },
    services,
    verbose: process.env.BENCH_VERBOSE === '1',
  });
  const call = <T>(method: string, path: string, body?: unknown) => api<T>(cluster.apiUrl, cluster.apiKey, method, path, body);
  try {
    const tool = { name: 'lookup', description: 'Look something up', parameters: { type: 'object' }, call: 'http', with: { method: 'post', endpoint: `${target.url}/lookup`, body: '${ $args }' } };
    const registered = await call('POST', '/api/v1/workflows', {
      document: { dsl: '1.0.0', namespace: 'bench', name: 'agent', version: '1.0.0' },
      do: [{ ask: { call: 'agent:1.0.0@default', with: { model: 'bench-model', prompt: '${ "agent " + (.n | tostring) }', tools: [tool], maxTurns: toolCalls + 1 } } }],
    });
    if (registered.status >= 300) throw new Error(`registering the workflow failed: ${registered.status} ${JSON.stringify(registered.body)}`);

    log(`${steps} agent steps x ${toolCalls} tool calls, all at once`);
    const metricsUrls = cluster.processes.map((p) => `http://127.0.0.1:${p.port}/metrics`);
    const countersBefore = await scrapeCounters(metricsUrls, ['baton_messages_reclaimed_total']);
    const started = performance.now();
    const runs = await Promise.all(
      Array.from({ length: steps }, (_, n) =>
        call<{ id: string; status: string; usage?: Record<string, number> }>('POST', '/api/v1/runs', { namespace: 'bench', name: 'agent', input: { n }, wait: 'PT300S' }).catch((e: unknown) => ({ status: 0, body: { id: '', status: `exception: ${String(e)}` } as { id: string; status: string; usage?: Record<string, number> } })),
      ),
    );
    const wallSeconds = (performance.now() - started) / 1000;
    const completed = runs.filter((r) => r.status === 200 && r.body.status === 'completed').length;
    if (completed !== steps) log(`only ${completed}/${steps} runs completed`);
    const notCompleted: Record<string, number> = {};
    for (const r of runs) {
      if (r.status === 200 && r.body.status === 'completed') continue;
      const why = r.status === 200 ? r.body.status : r.status === 202 ? 'timed out (202)' : r.status === 0 ? 'exception' : `HTTP ${r.status}`;
      notCompleted[why] = (notCompleted[why] ?? 0) + 1;
    }
    const reclaimed = counterDelta(countersBefore, await scrapeCounters(metricsUrls, ['baton_messages_reclaimed_total'])).baton_messages_reclaimed_total ?? 0;

    const turns = fake.requests.map((request): Turn => ({ ...identify(request), request }));
    const byStep = new Map<number, Turn[]>();
    for (const t of turns) byStep.set(t.n, [...(byStep.get(t.n) ?? []), t]);
    const turnGap: number[] = [];
    const dispatch: number[] = [];
    const turnCommit: number[] = [];
    for (const [n, list] of byStep) {
      list.sort((a, b) => a.turn - b.turn);
      if (!runs[n]?.body.id) continue;
      const events = await eventTimes(call, runs[n]!.body.id);
      for (let i = 1; i < list.length; i += 1) {
        const previous = list[i - 1]!;
        const next = list[i]!;
        if (next.turn !== previous.turn + 1 || previous.request.doneAt === undefined) continue;
        turnGap.push(next.request.at - previous.request.doneAt);
        const toolResult = events.toolResults.get(previous.turn);
        if (toolResult !== undefined) dispatch.push(next.request.at - toolResult);
      }
      for (const t of list) {
        const committed = events.turnsCompleted.get(t.turn);
        if (committed !== undefined && t.request.doneAt !== undefined) turnCommit.push(committed - t.request.doneAt);
      }
    }
    const usage = runs.reduce((sum, r) => sum + (r.body.usage?.totalTokens ?? 0), 0);
    return {
      machine: await machine(),
      services,
      workload: { agentSteps: steps, toolCallsPerStep: toolCalls, modelTurnsPerStep: toolCalls + 1, modelLatencyMs: 0, toolLatencyMs: 0 },
      completed,
      notCompleted,
      repeatedWork: {
        modelRequestsBeyondWorkload: Math.max(0, turns.length - steps * (toolCalls + 1)),
        toolRequestsBeyondWorkload: Math.max(0, target.total() - steps * toolCalls),
        toolRequestsRepeatedPerKey: [...target.requests.values()].reduce((sum, count) => sum + count - 1, 0),
        messagesReclaimed: reclaimed,
      },
      wallSeconds: Number(wallSeconds.toFixed(2)),
      modelTurnsPerSecond: Number((turns.length / wallSeconds).toFixed(1)),
      modelRequests: turns.length,
      toolRequests: target.total(),
      totalTokens: usage,
      overheadPerModelTurn: { turnGapMs: summary(turnGap), dispatchMs: summary(dispatch), turnCommitMs: summary(turnCommit) },
    };
  } finally {
    await cluster.stop();
    await fake.close();
    await target.close();
    await redis.cleanup();
    await db.drop();
  }
}

type Call = <T>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;

/** Epoch ms of each turn's turn.completed event and of the last tool.result event of each turn. */
async function eventTimes(call: Call, runId: string): Promise<{ turnsCompleted: Map<number, number>; toolResults: Map<number, number> }> {
  const res = await call<{ items: Array<{ type: string; time: string; data: { turn?: number } }> }>('GET', `/api/v1/runs/${runId}/events?after=0&limit=1000`);
  const turnsCompleted = new Map<number, number>();
  const toolResults = new Map<number, number>();
  for (const event of res.body.items) {
    const turn = event.data.turn ?? 0;
    if (event.type === 'dev.baton.agent.turn.completed.v1') turnsCompleted.set(turn, Date.parse(event.time));
    if (event.type === 'dev.baton.agent.tool.result.v1') toolResults.set(turn, Math.max(toolResults.get(turn) ?? 0, Date.parse(event.time)));
  }
  return { turnsCompleted, toolResults };
}
