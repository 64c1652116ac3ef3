// The deadline schedule the transport implies: Redis when the bus is Redis, memory otherwise.
import type { BusConfig } from '@baton/runtime';
import { MemoryDeadlines, RedisDeadlines, type DeadlineSchedule } from './deadlines.ts';

export function createDeadlineSchedule(config: BusConfig): DeadlineSchedule {
  return config.kind === 'redis' ? new RedisDeadlines(config.url, config.prefix) : new MemoryDeadlines();
}
