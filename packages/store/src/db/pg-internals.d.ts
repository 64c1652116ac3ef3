// node-postgres's own value mapping for parameters (Date, arrays, Buffers, objects → wire text),
// which its Query uses; the statement groups (pg-group.ts) send parameters the same way.
declare module 'pg/lib/utils.js' {
  const utils: { prepareValue(value: unknown): string | Buffer | null };
  export default utils;
}
