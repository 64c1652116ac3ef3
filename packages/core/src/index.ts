export * from './errors.ts';
export * from './interpreter/types.ts';
export type * from './ports/bus.ts';
export * from './ports/store.ts';
export * from './ports/messages.ts';
