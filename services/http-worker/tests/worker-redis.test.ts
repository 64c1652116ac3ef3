import { createBus } from '@baton/bus';
import { createTestRedis } from '@baton/testkit';
import { workerSuite } from './worker-suite.ts';

// createTestRedis throws (the suite fails, never skips) when Redis is unreachable.
workerSuite('redis bus', async () => {
  const redis = await createTestRedis();
  return { bus: createBus({ kind: 'redis', url: redis.url, prefix: redis.prefix }), cleanup: () => redis.cleanup() };
});
