// A real Baton API for the SDK and CLI tests: the orchestrator app on an embedded store (PGlite,
// in memory) and the in-process bus, listening on 127.0.0.1 with a random port, plus the
// workflow runner so that runs advance. Nothing here is a fake.
import { createBus } from '@baton/bus';
import { createWorkflowRunner, defaultRunnerOptions, type WorkflowRunner } from '@baton/engine';
import { createOrchestratorApp, defaultOrchestratorConfig, ensureBootstrapKey } from '@baton/orchestrator';
import { createStore } from '@baton/store';
import { pino } from 'pino';
import { Registry } from 'prom-client';

export interface LiveServer {
  url: string;
  /** The bootstrap admin key. */
  apiKey: string;
  close(): Promise<void>;
}

export async function startLiveServer(options: { runner?: boolean; maxWaitMs?: number } = {}): Promise<LiveServer> {
  const logger = pino({ level: process.env.BATON_TEST_LOG ?? 'silent' });
  const metrics = new Registry();
  const store = await createStore({ kind: 'pglite' });
  await store.migrate();
  const bus = createBus({ kind: 'memory' });
  const apiKey = `bt_test_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const config = defaultOrchestratorConfig({ port: 0, host: '127.0.0.1', apiKey, ...(options.maxWaitMs !== undefined && { maxWaitMs: options.maxWaitMs }) });
  await ensureBootstrapKey(store, { apiKey });
  const app = await createOrchestratorApp({ store, bus, logger, metrics, config });
  let runner: WorkflowRunner | undefined;
  if (options.runner !== false) {
    runner = createWorkflowRunner({
      store,
      bus,
      logger,
      metrics,
      runtime: { name: 'baton', version: 'test' },
      options: { ...defaultRunnerOptions, consumer: `sdk-test-${process.pid}`, timerPollMs: 50 },
    });
    await runner.start();
  }
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: address,
    apiKey,
    close: async () => {
      await app.close();
      await runner?.stop();
      await bus.close();
      await store.close();
    },
  };
}
