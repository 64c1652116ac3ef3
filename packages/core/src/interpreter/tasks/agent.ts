// `call: agent:1.0.0@default`: the agent loop, durable in the run state (see ../../agent/contract.ts).
//
//   start ─► turn effect (taskKind 'agent') ─► result ─┬─ tool calls ─► one effect per call (in parallel)
//                 ▲                                     │                 └─ all results back ─┐
//                 └─────────────────────────────────────┼─────────────────────────────────────┘
//                                                       └─ final answer ─► output.schema ok? ─► completed
//                                                                            └─ no: one repair turn, then error
//
// Frame keys: `ag` (AgentProgress in state.ts: the conversation, turns, usage, pending tool calls)
// and `e` (the pending turn's effect id).
import type { AgentTurnRequest, AgentTurnResult, ChatMessage, ToolCall, TurnUsage } from '../../agent/contract.ts';
import { AgentEventTypes } from '../../agent/contract.ts';
import { BatonErrorTypes, ErrorTypes, workflowError } from '../../errors.ts';
import type { WorkflowError } from '../../errors.ts';
import type { CompiledTask } from '../compile.ts';
import { evalTemplate, isExpression } from '../expressions.ts';
import { configurationFault, Fault } from '../fault.ts';
import type { Outcome, Run, TaskHandler } from '../run.ts';
import { resolverFor } from '../scope.ts';
import { scopeDeferred } from '../secret-scope.ts';
import type { AgentProgress } from '../state.ts';
import type { CompiledAgent, CompiledTool } from './agent-compile.ts';
import { runBudget } from './agent-compile.ts';
import { expandUri } from './call.ts';
import { valueErrorsText } from '../value-errors.ts';

/** Longest tool result text kept in a tool.result event (the conversation keeps all of it). */
const EVENT_TEXT_LIMIT = 2_000;

export const agentTask: TaskHandler = {
  start(run, f, task) {
    const agent = agentOf(task);
    const input = run.frame(f).in;
    const model = run.evaluate(f, agent.model, input);
    if (typeof model !== 'string' || model === '') throw configurationFault('with.model must evaluate to a model name', task.ref);
    const sampling = run.evaluate(f, agent.sampling, input) as Record<string, unknown>;
    const ag: AgentProgress = { mo: model, m: initialMessages(run, f, task, agent, input), t: 0, u: { p: 0, c: 0, tot: 0, usd: 0 } };
    if (Object.keys(sampling).length > 0) ag.sa = sampling;
    sendTurn(run, f, task, agent, ag);
  },
  outcome(run, f, task, _wait, outcome) {
    if (outcome.type !== 'task.completed' && outcome.type !== 'task.failed') return;
    const frame = run.frame(f);
    const ag = frame.ag!;
    if (outcome.effectId === frame.e) return turnOutcome(run, f, task, ag, outcome);
    const call = ag.tc?.[outcome.effectId];
    if (call !== undefined) toolOutcome(run, f, task, ag, outcome.effectId, call, outcome);
  },
};

function agentOf(task: CompiledTask): CompiledAgent {
  if (task.spec.type !== 'agent') throw new Error(`interpreter bug: ${task.ref} is not an agent call`);
  return task.spec.agent;
}

function initialMessages(run: Run, f: string, task: CompiledTask, agent: CompiledAgent, input: unknown): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (agent.system) messages.push({ role: 'system', content: text(run.evaluate(f, agent.system, input)) });
  if (agent.messages) {
    const given = run.evaluate(f, agent.messages, input);
    if (!Array.isArray(given) || !given.every(isMessage)) throw configurationFault('with.messages must evaluate to a list of {role, content} chat messages', task.ref);
    messages.push(...given);
  }
  if (agent.prompt) messages.push({ role: 'user', content: text(run.evaluate(f, agent.prompt, input)) });
  return messages;
}

function isMessage(value: unknown): value is ChatMessage {
  const m = value as { role?: unknown; content?: unknown } | null;
  return m !== null && typeof m === 'object' && ['system', 'user', 'assistant', 'tool'].includes(m.role as string) && (typeof m.content === 'string' || m.content === null);
}

const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

function sendTurn(run: Run, f: string, task: CompiledTask, agent: CompiledAgent, ag: AgentProgress): void {
  if (ag.t >= agent.maxTurns) {
    throw new Fault(workflowError(BatonErrorTypes.budgetExceeded, 429, `the agent did not give a final answer within maxTurns (${agent.maxTurns})`, task.ref, 'Agent turn limit reached'));
  }
  const payload: AgentTurnRequest = { model: ag.mo, messages: ag.m, turn: ag.t + 1, stream: agent.stream };
  if (agent.tools.length > 0) payload.tools = agent.tools.map((tool) => tool.spec);
  if (ag.sa) payload.sampling = ag.sa;
  if (agent.outputSchema) payload.outputSchema = agent.outputSchema.document;
  const id = run.nextId('e');
  run.wait(f, 'task', { kind: 'task', id, taskKind: 'agent', reference: task.ref, name: task.name, payload });
  run.update(f, { ag: { ...ag, tc: undefined, tr: undefined }, e: id });
}

function turnOutcome(run: Run, f: string, task: CompiledTask, ag: AgentProgress, outcome: Extract<Outcome, { type: 'task.completed' | 'task.failed' }>): void {
  const agent = agentOf(task);
  if (outcome.type === 'task.failed') return run.fail(f, { ...outcome.error, instance: outcome.error.instance ?? task.ref });
  const result = outcome.output as AgentTurnResult;
  if (!isTurnResult(result)) throw new Fault(workflowError(ErrorTypes.runtime, 500, 'the agent-runner answered a turn with an unreadable result', task.ref, 'Runtime Error'));
  const usage = account(run, ag, result.usage);
  const toolCalls = result.message.tool_calls ?? [];
  const message: ChatMessage = { role: 'assistant', content: result.message.content, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) };
  const next: AgentProgress = { ...ag, m: [...ag.m, message], t: ag.t + 1, u: usage };
  run.events.push({ type: AgentEventTypes.turnCompleted, data: { task: task.ref, turn: next.t, model: result.model, finishReason: result.finishReason, toolCalls: toolCalls.length, usage: result.usage } });
  run.update(f, { ag: next, e: undefined });
  checkBudgets(run, task, agent, next);
  if (run.terminal) return;
  if (toolCalls.length > 0) return callTools(run, f, task, agent, next, toolCalls);
  finalAnswer(run, f, task, agent, next, result.message.content ?? '');
}

function isTurnResult(value: unknown): value is AgentTurnResult {
  const r = value as AgentTurnResult | null;
  return r !== null && typeof r === 'object' && typeof r.message === 'object' && r.message !== null && typeof r.usage === 'object' && r.usage !== null;
}

/** Adds a turn's usage to the step, the run state (run-level budget) and the run row (Decision.usage). */
function account(run: Run, ag: AgentProgress, usage: TurnUsage): AgentProgress['u'] {
  const p = usage.promptTokens || 0;
  const c = usage.completionTokens || 0;
  const tot = usage.totalTokens || p + c;
  const usd = usage.costUsd ?? 0;
  run.addUsage({ promptTokens: p, completionTokens: c, totalTokens: tot, costUsd: usd, turns: 1 });
  const total = run.s.usage ?? { tokens: 0, costUsd: 0 };
  run.s.usage = { tokens: total.tokens + tot, costUsd: total.costUsd + usd };
  return { p: ag.u.p + p, c: ag.u.c + c, tot: ag.u.tot + tot, usd: ag.u.usd + usd };
}

/** The step's budget fails the step (catchable); the run's budget faults the run. */
function checkBudgets(run: Run, task: CompiledTask, agent: CompiledAgent, ag: AgentProgress): void {
  const runLimit = runBudget(run.wf.document.document.metadata);
  const used = run.s.usage ?? { tokens: 0, costUsd: 0 };
  const runOver = overBudget(runLimit, used.tokens, used.costUsd);
  if (runOver) return run.root.fault(run, workflowError(BatonErrorTypes.budgetExceeded, 429, `the run's budget is exhausted: ${runOver}`, task.ref, 'Run budget exceeded'));
  const stepOver = overBudget(agent.budget, ag.u.tot, ag.u.usd);
  if (stepOver) throw new Fault(workflowError(BatonErrorTypes.budgetExceeded, 429, `the agent step's budget is exhausted: ${stepOver}`, task.ref, 'Agent budget exceeded'));
}

function overBudget(limit: { maxTokens?: number; maxCostUsd?: number }, tokens: number, costUsd: number): string | undefined {
  if (limit.maxTokens !== undefined && tokens > limit.maxTokens) return `${tokens} tokens used, maxTokens is ${limit.maxTokens}`;
  if (limit.maxCostUsd !== undefined && costUsd > limit.maxCostUsd) return `$${costUsd.toFixed(6)} spent, maxCostUsd is $${limit.maxCostUsd}`;
  return undefined;
}

/** Every tool call of the turn starts at once; calls that cannot run are answered with an error text. */
function callTools(run: Run, f: string, task: CompiledTask, agent: CompiledAgent, ag: AgentProgress, calls: ToolCall[]): void {
  const pending: NonNullable<AgentProgress['tc']> = {};
  const results: Record<string, string> = {};
  for (const [index, call] of calls.entries()) {
    const name = call.function.name;
    const tool = agent.tools.find((t) => t.spec.name === name);
    const parsed = parseArguments(call, tool, agent);
    run.events.push({ type: AgentEventTypes.toolCalled, data: { task: task.ref, turn: ag.t, toolCallId: call.id, name, arguments: parsed.ok ? parsed.args : call.function.arguments } });
    run.addUsage({ toolCalls: 1 });
    if (!parsed.ok) {
      results[call.id] = parsed.problem;
      run.events.push(toolResultEvent(task, ag.t, call.id, name, false, parsed.problem));
      continue;
    }
    const id = run.nextId('e');
    startTool(run, f, task, tool!, index, id, parsed.args);
    pending[id] = { id: call.id, n: name };
  }
  const next: AgentProgress = { ...ag, tc: pending, tr: results };
  run.update(f, { ag: next });
  if (Object.keys(pending).length === 0) nextTurnAfterTools(run, f, task, agent, next);
}

type ParsedArguments = { ok: true; args: unknown } | { ok: false; problem: string };

function parseArguments(call: ToolCall, tool: CompiledTool | undefined, agent: CompiledAgent): ParsedArguments {
  if (tool === undefined) return { ok: false, problem: `error: there is no tool named "${call.function.name}" (tools: ${agent.tools.map((t) => t.spec.name).join(', ')})` };
  let args: unknown;
  try {
    args = call.function.arguments.trim() === '' ? {} : JSON.parse(call.function.arguments);
  } catch (error) {
    return { ok: false, problem: `error: the arguments are not valid JSON (${(error as Error).message})` };
  }
  if (tool.validate && !tool.validate(args)) {
    const detail = valueErrorsText(tool.validate.errors, args);
    return { ok: false, problem: `error: the arguments do not match the tool's parameters: ${detail}` };
  }
  return { ok: true, args };
}

/** The tool's binding as an effect: `.`, `$args` (and `$input` of deferred secret expressions) are the arguments. */
function startTool(run: Run, f: string, task: CompiledTask, tool: CompiledTool, index: number, id: string, args: unknown): void {
  const reference = `${task.ref}/with/tools/${index}`;
  const binding = tool.binding;
  const resolve = resolverFor(run, f, { vars: { args } });
  const options = { ...run.options(f), defer: { input: args, context: run.s.context } };
  if (binding.kind === 'http') {
    // A copy: the endpoint is expanded in place below, and a template without expressions evaluates to the definition itself.
    const payload = { ...(scopeDeferred(evalTemplate(binding.with, args, resolve, options), run.env.namespace, reference) as Record<string, unknown>) };
    if (typeof payload.endpoint === 'string' && !isExpression(binding.rawEndpoint)) payload.endpoint = expandUri(payload.endpoint, args, reference);
    run.checkValue(payload, 'the arguments of this tool call', reference);
    run.wait(f, 'task', { kind: 'task', id, taskKind: 'http', reference, name: tool.spec.name, payload });
    return;
  }
  const input = binding.input ? evalTemplate(binding.input, args, resolve, run.options(f)) : args;
  run.startChild(f, { kind: 'workflow', id, reference, name: tool.spec.name, namespace: binding.namespace, workflowName: binding.name, version: binding.version, input, await: true });
}

function toolOutcome(run: Run, f: string, task: CompiledTask, ag: AgentProgress, effectId: string, call: { id: string; n: string }, outcome: Extract<Outcome, { type: 'task.completed' | 'task.failed' }>): void {
  const ok = outcome.type === 'task.completed';
  const content = ok ? text(outcome.output ?? null) : errorText(outcome.error);
  run.events.push(toolResultEvent(task, ag.t, call.id, call.n, ok, content));
  const pending = { ...ag.tc };
  delete pending[effectId];
  const next: AgentProgress = { ...ag, tc: pending, tr: { ...ag.tr, [call.id]: content } };
  run.update(f, { ag: next });
  if (Object.keys(pending).length === 0) nextTurnAfterTools(run, f, task, agentOf(task), next);
}

function errorText(error: WorkflowError): string {
  return `error: ${error.title ?? error.type} (status ${error.status})${error.detail ? `: ${error.detail}` : ''}`;
}

function toolResultEvent(task: CompiledTask, turn: number, toolCallId: string, name: string, ok: boolean, content: string) {
  const truncated = content.length > EVENT_TEXT_LIMIT;
  return { type: AgentEventTypes.toolResult, data: { task: task.ref, turn, toolCallId, name, ok, content: truncated ? content.slice(0, EVENT_TEXT_LIMIT) : content, ...(truncated ? { truncated: true } : {}) } };
}

/** Tool messages follow the assistant message in the order of its tool calls. */
function nextTurnAfterTools(run: Run, f: string, task: CompiledTask, agent: CompiledAgent, ag: AgentProgress): void {
  const assistant = ag.m[ag.m.length - 1] as Extract<ChatMessage, { role: 'assistant' }>;
  const toolMessages: ChatMessage[] = (assistant.tool_calls ?? []).map((call) => ({ role: 'tool', tool_call_id: call.id, content: ag.tr?.[call.id] ?? 'error: no result' }));
  sendTurn(run, f, task, agent, { ...ag, m: [...ag.m, ...toolMessages] });
}

function finalAnswer(run: Run, f: string, task: CompiledTask, agent: CompiledAgent, ag: AgentProgress, content: string): void {
  const usage = { promptTokens: ag.u.p, completionTokens: ag.u.c, totalTokens: ag.u.tot, costUsd: ag.u.usd };
  if (!agent.outputSchema) return run.complete(f, { content, usage, turns: ag.t });
  const checked = checkStructured(agent.outputSchema.validate, content);
  if (checked.ok) return run.complete(f, { content: checked.value, usage, turns: ag.t });
  if (ag.rep) {
    throw new Fault(workflowError(BatonErrorTypes.outputSchema, 422, `the agent's answer does not match with.output.schema after a repair turn: ${checked.problem}`, task.ref, 'Agent output does not match its schema'));
  }
  const repair: ChatMessage = { role: 'user', content: `Your answer does not match the required JSON Schema: ${checked.problem}. Reply again with only a JSON value that matches the schema, without any other text.` };
  sendTurn(run, f, task, agent, { ...ag, m: [...ag.m, repair], rep: true });
}

type Checked = { ok: true; value: unknown } | { ok: false; problem: string };

function checkStructured(validate: NonNullable<CompiledAgent['outputSchema']>['validate'], content: string): Checked {
  // Models often wrap JSON in a Markdown code fence.
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/.exec(content);
  let value: unknown;
  try {
    value = JSON.parse(fenced ? fenced[1]! : content);
  } catch (error) {
    return { ok: false, problem: `it is not valid JSON (${(error as Error).message})` };
  }
  if (validate(value)) return { ok: true, value };
  return { ok: false, problem: valueErrorsText(validate.errors, value) };
}
