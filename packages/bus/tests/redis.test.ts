import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RedisBus } from '../src/index.ts';
import { busConformance } from './conformance.ts';
import { connectOrExplain, deleteKeys, redisUrl } from './redis-support.ts';

// One prefix for this test file; every key it creates is deleted afterwards.
const prefix = `baton-test:${randomUUID().slice(0, 8)}:`;
let admin: Redis | undefined;

busConformance({
  name: `redis (${redisUrl})`,
  create: (options) => new RedisBus({ url: redisUrl, prefix, ...options }),
  config: () => ({ kind: 'redis', url: redisUrl, prefix }),
  check: async () => {
    admin = await connectOrExplain();
  },
  cleanup: async () => {
    if (!admin) return; // never connected: nothing to clean
    await deleteKeys(admin, prefix);
    admin.disconnect();
  },
});
