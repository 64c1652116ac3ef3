// Fanout configuration from environment variables (services/fanout/README.md lists them).
import { readEnv, readInt, type Env } from '@baton/runtime';
import { streamTokenKeysFromValues, type StreamTokenKeys } from './tokens.ts';

export interface FanoutConfig {
  /** FANOUT_PORT, else PORT, else 8085. */
  port: number;
  host: string;
  /** Bytes a connection may have queued (unsent) before it is closed with 4008. */
  bufferLimitBytes: number;
  /** A WebSocket ping (an SSE comment) every this long; no pong by the next tick = dead. */
  pingIntervalMs: number;
  /** A connection without subscriptions for this long is closed (4002). */
  idleTimeoutMs: number;
  /** Events per store read while replaying a run. */
  backfillPageSize: number;
  maxSubscriptionsPerConnection: number;
  maxConnections: number;
  /** Largest client message (bytes); larger closes the connection with 1009. */
  maxMessageBytes: number;
  /** A live run subscription that saw no event for this long checks the store once (lost publish). */
  resyncAfterMs: number;
  /** How long key checks (and the revoked-keys list) are cached. */
  authCacheMs: number;
  /** Undefined: stream tokens are refused (API keys only). */
  streamTokens?: StreamTokenKeys;
}

export const defaultFanoutConfig: FanoutConfig = {
  port: 8085,
  host: '0.0.0.0',
  bufferLimitBytes: 1024 * 1024,
  pingIntervalMs: 30_000,
  idleTimeoutMs: 5 * 60_000,
  backfillPageSize: 500,
  maxSubscriptionsPerConnection: 100,
  maxConnections: 20_000,
  maxMessageBytes: 16 * 1024,
  resyncAfterMs: 30_000,
  authCacheMs: 5_000,
};

export function fanoutConfigFromEnv(env: Env): FanoutConfig {
  const d = defaultFanoutConfig;
  const port = readEnv(env, 'FANOUT_PORT') !== undefined ? readInt(env, 'FANOUT_PORT', d.port, 0) : readInt(env, 'PORT', d.port, 0);
  const streamTokens = streamTokenKeysFromValues(readEnv(env, 'BATON_STREAM_TOKEN_SECRET'), readEnv(env, 'BATON_STREAM_TOKEN_PREVIOUS_SECRET'));
  return {
    port,
    host: readEnv(env, 'FANOUT_HOST') ?? d.host,
    bufferLimitBytes: readInt(env, 'FANOUT_BUFFER_LIMIT_BYTES', d.bufferLimitBytes, 4096),
    pingIntervalMs: readInt(env, 'FANOUT_PING_INTERVAL_MS', d.pingIntervalMs, 100),
    idleTimeoutMs: readInt(env, 'FANOUT_IDLE_TIMEOUT_MS', d.idleTimeoutMs, 1000),
    backfillPageSize: readInt(env, 'FANOUT_BACKFILL_PAGE_SIZE', d.backfillPageSize, 1),
    maxSubscriptionsPerConnection: readInt(env, 'FANOUT_MAX_SUBSCRIPTIONS', d.maxSubscriptionsPerConnection, 1),
    maxConnections: readInt(env, 'FANOUT_MAX_CONNECTIONS', d.maxConnections, 1),
    maxMessageBytes: readInt(env, 'FANOUT_MAX_MESSAGE_BYTES', d.maxMessageBytes, 256),
    resyncAfterMs: readInt(env, 'FANOUT_RESYNC_MS', d.resyncAfterMs, 100),
    authCacheMs: readInt(env, 'BATON_AUTH_CACHE_MS', d.authCacheMs, 0),
    ...(streamTokens && { streamTokens }),
  };
}
