// @baton/agent-runner: executes one model turn of `call: agent:1.0.0@default` steps (see README.md).
export { createAgentRunner, AGENT_TASK_QUEUE, type AgentRunner, type AgentRunnerDeps } from './worker.ts';
export { agentRunnerOptions, agentRunnerOptionsFromEnv, DEFAULT_OPTIONS, type AgentRunnerOptions, type ResponseFormatMode } from './options.ts';
export { executeTurn, classify, createClient, type TurnOutcome, type TurnHooks } from './turn.ts';
export { parsePriceTable, costOf, type PriceTable } from './prices.ts';
