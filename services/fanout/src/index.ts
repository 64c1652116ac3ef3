// @baton/fanout: live, resumable streams of run events (WebSocket and SSE, port 8085).
// See README.md and docs/STREAMING.md.
import type { AddressInfo } from 'node:net';
import type { Bus, Store } from '@baton/core';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { Authenticator } from './auth.ts';
import type { FanoutConfig } from './config.ts';
import { Hub } from './hub.ts';
import { SharedReads } from './shared-reads.ts';
import { fanoutMetrics } from './metrics.ts';
import { createFanoutServer } from './server.ts';

export { fanoutConfigFromEnv, defaultFanoutConfig, type FanoutConfig } from './config.ts';
export { CloseCodes, PROTOCOL, ClientMessage, Selector } from './protocol.ts';
export { mintStreamToken, verifyStreamToken, generateTokenSecret, type StreamTokenKeys } from './tokens.ts';

export interface FanoutDeps {
  store: Pick<Store, 'getRun' | 'listEvents' | 'verifyApiKey' | 'listApiKeys'>;
  bus: Bus;
  logger: Logger;
  metrics: Registry;
  config: FanoutConfig;
  /** Dependencies reachable (for /ready). */
  ready: () => Promise<boolean>;
}

export interface Fanout {
  url: string;
  port: number;
  /** Open connections (WebSocket and SSE). */
  connections(): number;
  stop(): Promise<void>;
}

export async function startFanout(deps: FanoutDeps): Promise<Fanout> {
  const { config, logger } = deps;
  const metrics = fanoutMetrics(deps.metrics);
  const auth = new Authenticator(deps.store, config.authCacheMs, config.streamTokens);
  const hub = new Hub({ bus: deps.bus, config, metrics, logger, auth });
  await hub.start();
  const { server, sockets } = createFanoutServer({ store: deps.store, reads: new SharedReads(deps.store, config.backfillPageSize), hub, config, metrics, logger, auth, registry: deps.metrics, ready: deps.ready });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, streamTokens: config.streamTokens !== undefined }, 'fanout listening');
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections: () => hub.clients.size,
    async stop() {
      await hub.stop();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
