import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisBus } from '../src/index.ts';
import { busConformance } from './conformance.ts';

const url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// One prefix for this test file; every key it creates is deleted afterwards.
const prefix = `baton-test:${randomUUID().slice(0, 8)}:`;

busConformance({
  name: `redis (${url})`,
  create: (options) => new RedisBus({ url, prefix, ...options }),
  config: () => ({ kind: 'redis', url, prefix }),
  check: async () => {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined); // the rejection below says it better
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      throw new Error(`Redis is not reachable at ${url} (${String(error)}). Start it (redis-server, or .ci/run) or point TEST_REDIS_URL at one. This test never skips.`);
    } finally {
      redis.disconnect();
    }
  },
  cleanup: async () => {
    const redis = new Redis(url);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  },
});
