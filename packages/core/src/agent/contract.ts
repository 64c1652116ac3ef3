// The agent step (`call: agent:1.0.0@default`) as data crossing the queue.
//
// The agent LOOP lives in the interpreter, so every completed model turn and every completed
// tool call is part of the run's durable state: an agent-runner killed mid-loop costs at most
// the turn it was executing, never a repeated tool call or a re-paid turn.
//
//   interpreter ──AgentTurnRequest (task effect, taskKind 'agent')──▶ agent-runner ──▶ LLM provider
//   interpreter ◀──────────── AgentTurnResult (task.completed) ───── agent-runner
//   tool calls: the interpreter turns each requested tool call into the effect of the tool's
//   binding (an HTTP call, a subflow), then sends the results in the next turn's messages.
//
// Glossary
//   turn        one chat-completions request and its answer
//   tool call   a function call requested by the model in a turn (OpenAI `tool_calls`)
//   usage       tokens (and cost, from the price table) of a turn; summed per step and per run

/** A message in OpenAI chat-completions form. */
export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: ToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ToolSpec {
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
}

export interface SamplingOptions {
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  stop?: string | string[];
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
}

/** TaskMessage.payload of an `agent` task: one model turn. */
export interface AgentTurnRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ToolSpec[];
  sampling?: SamplingOptions;
  /** Structured output: the JSON Schema the final answer must match. */
  outputSchema?: Record<string, unknown>;
  /** 1-based index of this turn within the step. */
  turn: number;
  /** Publish tokens as they arrive (dev.baton.agent.token.v1 events). Default true. */
  stream?: boolean;
}

export interface TurnUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** From the agent-runner's price table; absent when the model has no price. */
  costUsd?: number;
}

/** task.completed output of an `agent` task. */
export interface AgentTurnResult {
  message: { role: 'assistant'; content: string | null; tool_calls?: ToolCall[] };
  finishReason: string;
  usage: TurnUsage;
  /** The model that answered (providers may resolve aliases). */
  model: string;
}

/** Baton's own event types for agent steps (appended with RunnerMessage 'events'). */
export const AgentEventTypes = {
  token: 'dev.baton.agent.token.v1',
  turnCompleted: 'dev.baton.agent.turn.completed.v1',
  toolCalled: 'dev.baton.agent.tool.called.v1',
  toolResult: 'dev.baton.agent.tool.result.v1',
} as const;
