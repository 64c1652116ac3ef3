import { describe, expect, it } from 'vitest';
import { ConfigError, orchestratorConfigFromEnv } from './config.ts';

describe('BATON_TRACE_URL', () => {
  it('is a trace UI page with {traceId} where the id goes', () => {
    expect(orchestratorConfigFromEnv({}).traceUrl).toBeUndefined();
    expect(orchestratorConfigFromEnv({ BATON_TRACE_URL: ' http://jaeger:16686/trace/{traceId} ' }).traceUrl).toBe('http://jaeger:16686/trace/{traceId}');
    expect(orchestratorConfigFromEnv({ BATON_TRACE_URL: 'https://grafana.example/explore?traceId={traceId}' }).traceUrl).toBe('https://grafana.example/explore?traceId={traceId}');
  });

  it('refuses one without {traceId}, or that is no http(s) URL, saying what it should be', () => {
    for (const bad of ['http://jaeger:16686/trace/', 'jaeger/trace/{traceId}', 'ws://jaeger/{traceId}']) {
      expect(() => orchestratorConfigFromEnv({ BATON_TRACE_URL: bad })).toThrow(ConfigError);
      expect(() => orchestratorConfigFromEnv({ BATON_TRACE_URL: bad })).toThrow(/BATON_TRACE_URL must be an http\(s\) URL with \{traceId\}/);
    }
  });
});
