export { createBus, type BusConfig } from './create-bus.ts';
export { RedisBus, type RedisBusOptions } from './redis/redis-bus.ts';
export { InProcessBus, type InProcessBusOptions } from './memory/in-process-bus.ts';
export { BusError, BusClosedError, BadTopicPositionError, type BusErrorCode } from './errors.ts';
export { DEFAULT_TOPIC_MAX_LEN, type BusStats, type ObservableBus, type BusErrorReporter } from './types.ts';
export { MemoryRateLimiter } from './limiter/memory-limiter.ts';
export { RedisRateLimiter } from './limiter/redis-limiter.ts';
