// @baton/orchestrator: the REST API (port 8081). See README.md and docs/API.md.
export { createOrchestratorApp, type OrchestratorDeps } from './app.ts';
export { runStarterFor } from './starter.ts';
export { orchestratorConfigFromEnv, defaultOrchestratorConfig, ConfigError, type OrchestratorConfig } from './config.ts';
export { ensureBootstrapKey, BootstrapKeyError, type BootstrapResult } from './bootstrap.ts';
export { toCloudEvent, runEventSource, type RunCloudEvent } from '@baton/core';
export { contentHash, canonicalJson } from './content-hash.ts';
export { ProblemTypes, PROBLEM_CONTENT_TYPE, type ProblemDetails } from './problems.ts';
