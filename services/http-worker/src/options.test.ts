import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, httpWorkerOptionsFromEnv } from './options.ts';

describe('httpWorkerOptionsFromEnv', () => {
  it('uses the defaults for unset and empty variables', () => {
    const options = httpWorkerOptionsFromEnv({ HTTP_WORKER_CONCURRENCY: '', PATH: '/bin' });
    expect(options).toMatchObject({ ...DEFAULT_OPTIONS, denyCidrs: [], allowCidrs: [] });
    expect(options.consumerName).toMatch(/^http-worker-/);
  });

  it('reads every variable', () => {
    const options = httpWorkerOptionsFromEnv({
      HTTP_WORKER_CONCURRENCY: '32',
      HTTP_WORKER_CONNECT_TIMEOUT_MS: '2000',
      HTTP_WORKER_TIMEOUT_MS: '15000',
      HTTP_WORKER_MAX_RESPONSE_BYTES: '1024',
      HTTP_WORKER_MAX_REDIRECTS: '0',
      HTTP_WORKER_DENY_CIDRS: '10.0.0.0/8,192.168.0.0/16',
      HTTP_WORKER_ALLOW_CIDRS: '169.254.170.2',
      HTTP_WORKER_ALLOW_PRIVATE: 'false',
      HTTP_WORKER_VISIBILITY_MS: '60000',
      HTTP_WORKER_SHUTDOWN_GRACE_MS: '0',
      HTTP_WORKER_CONSUMER_NAME: 'w1',
    });
    expect(options).toMatchObject({ concurrency: 32, connectTimeoutMs: 2000, timeoutMs: 15000, maxResponseBytes: 1024, maxRedirects: 0, allowPrivate: false, visibilityMs: 60000, shutdownGraceMs: 0, consumerName: 'w1' });
    expect(options.denyCidrs.map((c) => c.text)).toEqual(['10.0.0.0/8', '192.168.0.0/16']);
    expect(options.allowCidrs.map((c) => c.text)).toEqual(['169.254.170.2']);
  });

  it('names each invalid variable', () => {
    expect(() => httpWorkerOptionsFromEnv({ HTTP_WORKER_CONCURRENCY: 'lots', HTTP_WORKER_DENY_CIDRS: '10.0.0.0/99' })).toThrow(/HTTP_WORKER_CONCURRENCY.*HTTP_WORKER_DENY_CIDRS: "10.0.0.0\/99" is not a CIDR/);
    expect(() => httpWorkerOptionsFromEnv({ HTTP_WORKER_ALLOW_PRIVATE: 'maybe' })).toThrow(/HTTP_WORKER_ALLOW_PRIVATE/);
  });

  it('refuses a duration longer than a Node.js timer keeps (it would fire after 1 ms: every call timed out at once)', () => {
    expect(httpWorkerOptionsFromEnv({ HTTP_WORKER_TIMEOUT_MS: '2147483647' }).timeoutMs).toBe(2_147_483_647);
    for (const name of ['HTTP_WORKER_TIMEOUT_MS', 'HTTP_WORKER_CONNECT_TIMEOUT_MS', 'HTTP_WORKER_VISIBILITY_MS', 'HTTP_WORKER_SHUTDOWN_GRACE_MS']) {
      expect(() => httpWorkerOptionsFromEnv({ [name]: '2592000000' }), name).toThrow(new RegExp(`${name}: at most 2147483647 ms`));
    }
  });
});
