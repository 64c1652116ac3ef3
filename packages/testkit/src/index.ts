export * from './pg.ts';
export * from './redis.ts';
export * from './cluster.ts';
export * from './http-target.ts';
export * from './fake-openai.ts';
export * from './redis-server.ts';
export * from './baton-process.ts';
export * from './otlp-receiver.ts';
