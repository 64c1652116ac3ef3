export * from './env.ts';
export * from './secrets.ts';
export * from './logger.ts';
export * from './metrics.ts';
export * from './health.ts';
export * from './config.ts';
export * from './lifecycle.ts';
export * from './context.ts';
