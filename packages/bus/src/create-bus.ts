import type { BusErrorReporter, ObservableBus } from './types.ts';
import { InProcessBus } from './memory/in-process-bus.ts';
import { RedisBus } from './redis/redis-bus.ts';

/** Which transport to use; services build it from REDIS_URL (absent = embedded, in-process). */
export type BusConfig =
  | { kind: 'redis'; url: string; prefix?: string; topicMaxLen?: number }
  | { kind: 'memory'; topicMaxLen?: number };

export function createBus(config: BusConfig, onError?: BusErrorReporter): ObservableBus {
  switch (config.kind) {
    case 'redis':
      return new RedisBus({ ...config, ...(onError ? { onError } : {}) });
    case 'memory':
      return new InProcessBus({ ...config, ...(onError ? { onError } : {}) });
  }
}
