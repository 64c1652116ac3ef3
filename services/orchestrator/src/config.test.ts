import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '@baton/testkit/scratch';
import { describe, expect, it } from 'vitest';
import { ConfigError, orchestratorConfigFromEnv } from './config.ts';

describe('orchestratorConfigFromEnv', () => {
  it('has the documented defaults', () => {
    const config = orchestratorConfigFromEnv({});
    expect(config).toEqual({ port: 8081, host: '0.0.0.0', maxBodyBytes: 1_048_576, maxWaitMs: 60_000, authCacheMs: 5000, limits: expect.any(Function), stream: { port: 8085 } });
    expect(config.limits('any').forkBranches).toBe(64);
  });

  it('reads every variable', () => {
    const config = orchestratorConfigFromEnv({
      ORCHESTRATOR_PORT: '9000',
      ORCHESTRATOR_HOST: '127.0.0.1',
      BATON_MAX_BODY_BYTES: '2048',
      BATON_MAX_WAIT: 'PT2M',
      BATON_AUTH_CACHE_MS: '0',
      BATON_API_KEY: 'bt_0123456789abcdef',
      BATON_LIMITS: '{"namespaces": {"wide": {"forkBranches": 200}}}',
      FANOUT_PORT: '9005',
      BATON_STREAM_PUBLIC_URL: 'https://stream.example.com/',
    });
    expect(config).toEqual({
      port: 9000,
      host: '127.0.0.1',
      maxBodyBytes: 2048,
      maxWaitMs: 120_000,
      authCacheMs: 0,
      apiKey: 'bt_0123456789abcdef',
      limits: expect.any(Function),
      stream: { port: 9005, publicUrl: 'https://stream.example.com' },
    });
    expect(config.limits('wide').forkBranches).toBe(200);
    expect(config.limits('other').forkBranches).toBe(64);
  });

  it('reads BATON_API_KEY_FILE (Docker secrets); BATON_API_KEY wins', () => {
    const file = join(scratchDir('baton-key-'), 'key');
    writeFileSync(file, 'bt_from_file_0123456789\n');
    expect(orchestratorConfigFromEnv({ BATON_API_KEY_FILE: file }).apiKey).toBe('bt_from_file_0123456789');
    expect(orchestratorConfigFromEnv({ BATON_API_KEY_FILE: file, BATON_API_KEY: 'bt_direct_0123456789' }).apiKey).toBe('bt_direct_0123456789');
    expect(() => orchestratorConfigFromEnv({ BATON_API_KEY_FILE: join(file, 'missing') })).toThrow(ConfigError);
  });

  it('reads the stream-token secrets and refuses short ones', () => {
    const current = 'c'.repeat(32);
    const previous = 'p'.repeat(32);
    expect(orchestratorConfigFromEnv({ BATON_STREAM_TOKEN_SECRET: current }).streamTokens).toEqual({ current });
    expect(orchestratorConfigFromEnv({ BATON_STREAM_TOKEN_SECRET: current, BATON_STREAM_TOKEN_PREVIOUS_SECRET: previous }).streamTokens).toEqual({ current, previous });
    expect(() => orchestratorConfigFromEnv({ BATON_STREAM_TOKEN_SECRET: 'short' })).toThrow(ConfigError);
  });

  it('refuses an invalid BATON_LIMITS with a ConfigError naming the member', () => {
    expect(() => orchestratorConfigFromEnv({ BATON_LIMITS: '{"default": {"forkBranch": 2}}' })).toThrow(/BATON_LIMITS: default: unknown limit 'forkBranch'/);
  });

  it('refuses a BATON_STREAM_PUBLIC_URL that is no absolute stream URL', () => {
    expect(() => orchestratorConfigFromEnv({ BATON_STREAM_PUBLIC_URL: 'stream.example.com' })).toThrow(/BATON_STREAM_PUBLIC_URL must be an absolute http\(s\) or ws\(s\) URL/);
    expect(() => orchestratorConfigFromEnv({ FANOUT_PORT: 'x' })).toThrow(/FANOUT_PORT must be an integer/);
  });

  it('refuses a BATON_MAX_WAIT longer than a Node.js timer keeps (a wait would end after 1 ms)', () => {
    expect(orchestratorConfigFromEnv({ BATON_MAX_WAIT: 'P24D' }).maxWaitMs).toBe(24 * 86_400_000);
    expect(() => orchestratorConfigFromEnv({ BATON_MAX_WAIT: 'P30D' })).toThrow(/BATON_MAX_WAIT must be at most 2147483647 ms .*got "P30D"/);
  });

  it('names every invalid variable', () => {
    expect(() => orchestratorConfigFromEnv({ ORCHESTRATOR_PORT: 'http', BATON_MAX_WAIT: '60', BATON_MAX_BODY_BYTES: '-1' })).toThrow(
      /ORCHESTRATOR_PORT.*BATON_MAX_BODY_BYTES.*BATON_MAX_WAIT|ORCHESTRATOR_PORT/,
    );
    try {
      orchestratorConfigFromEnv({ ORCHESTRATOR_PORT: 'http', BATON_MAX_WAIT: '60', BATON_MAX_BODY_BYTES: '-1' });
    } catch (error) {
      for (const name of ['ORCHESTRATOR_PORT', 'BATON_MAX_WAIT', 'BATON_MAX_BODY_BYTES']) expect((error as Error).message).toContain(name);
    }
  });
});
