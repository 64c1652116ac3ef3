// A service's resources bag: configuration, logger, metrics, secrets, and the store and bus
// adapters chosen by the environment. Shared by every service main and the all-in-one process.
import { mkdirSync } from 'node:fs';
import type { Bus, Store } from '@baton/core';
import { createBus } from '@baton/bus';
import { createStore } from '@baton/store';
import { startTracing, TracingConfigError, type Tracer } from '@baton/tracing';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { busConfig, storeConfig, type BusConfig, type StoreConfig } from './config.ts';
import { ConfigError, readEnv, type Env } from './env.ts';
import { createLogger, maskSecretsInLogs } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { loadSecretStore } from './secrets.ts';

/** What a worker needs: no database (http-worker, hitl-worker, agent-runner talk to Redis only). */
export interface WorkerContext {
  service: string;
  env: Env;
  logger: Logger;
  metrics: Registry;
  secrets: Record<string, unknown>;
  bus: Bus;
  /** OpenTelemetry spans of this service (a no-op tracer unless OTEL_EXPORTER_OTLP_ENDPOINT is set; @baton/tracing). */
  tracer: Tracer;
  /** Dependencies reachable (for /ready). */
  ready: () => Promise<boolean>;
  close: () => Promise<void>;
}

export interface ServiceContext extends WorkerContext {
  store: Store;
}

export async function openStore(config: StoreConfig, logger: Logger): Promise<Store> {
  if (config.kind === 'pglite') {
    if (config.dataDir) mkdirSync(config.dataDir, { recursive: true });
    return createStore(config);
  }
  return createStore({ ...config, onIdleError: (error) => logger.warn({ err: error }, 'idle database connection lost') });
}

/** With a logger, the transport's connection errors are log lines of the service (else JSON on stderr). */
export function openBus(config: BusConfig, logger?: Logger): Bus {
  return createBus(config, logger ? (error, context) => logger.warn({ err: error, component: 'bus', context }, 'bus connection error') : undefined);
}

export interface ContextOptions {
  embedded: boolean;
  /** Reuse adapters (the all-in-one process shares one store and bus between services). */
  store?: Store;
  bus?: Bus;
  /** One registry for every service of the all-in-one process (metric names do not clash). */
  metrics?: Registry;
}

export async function openWorkerContext(service: string, env: Env, options: ContextOptions): Promise<WorkerContext> {
  const logger = createLogger(service, env.LOG_LEVEL ?? 'info');
  const { secrets, warnings } = loadSecretStore(env);
  maskSecretsInLogs(secrets);
  for (const warning of warnings) warnOnce(logger, warning);
  // Export headers may hold a collector's credentials: they may come from files (NAME_FILE) too.
  const tracingEnv = { ...env, OTEL_EXPORTER_OTLP_HEADERS: readEnv(env, 'OTEL_EXPORTER_OTLP_HEADERS'), OTEL_EXPORTER_OTLP_TRACES_HEADERS: readEnv(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS') };
  const tracer = await startTracing(service, tracingEnv, (message) => warnOnce(logger, message)).catch((error: unknown) => {
    throw error instanceof TracingConfigError ? new ConfigError(error.message) : error;
  });
  const bus = options.bus ?? openBus(busConfig(env, options.embedded), logger);
  return {
    service,
    env,
    logger,
    metrics: options.metrics ?? createMetrics(service),
    secrets,
    bus,
    tracer,
    ready: () => bus.ping(),
    close: async () => {
      if (!options.bus) await bus.close();
      await tracer.shutdown();
    },
  };
}

// The all-in-one process opens a context per service from one environment: say it once.
const warned = new Set<string>();
function warnOnce(logger: Logger, warning: string): void {
  if (warned.has(warning)) return;
  warned.add(warning);
  logger.warn(warning);
}

export async function openServiceContext(service: string, env: Env, options: ContextOptions): Promise<ServiceContext> {
  const worker = await openWorkerContext(service, env, options);
  const config = storeConfig(env, options.embedded);
  // The workflow-runner's statements all find rows by key: its sessions plan for that (keyLookups).
  const store = options.store ?? (await openStore(config.kind === 'postgres' && service === 'workflow-runner' ? { ...config, keyLookups: true } : config, worker.logger));
  return {
    ...worker,
    store,
    ready: async () => (await worker.ready()) && (await store.ping()),
    close: async () => {
      await worker.close();
      if (!options.store) await store.close();
    },
  };
}
