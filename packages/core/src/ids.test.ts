import { describe, expect, it } from 'vitest';
import { uuidv7 } from './ids.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidv7', () => {
  it('gives version-7 UUIDs that sort in the order they were made and never repeat, across refills of the pool', () => {
    const ids = Array.from({ length: 5_000 }, () => uuidv7()); // ~20 refills of the 256-id pool
    for (const id of ids) expect(id).toMatch(UUID_V7);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('carries the time it was made in its first 48 bits', () => {
    const before = Date.now();
    const id = uuidv7();
    const ms = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now());
  });

  it('uses each random byte once: the random tails of ids made in a row share no 8-byte run', () => {
    const tails = Array.from({ length: 600 }, () => uuidv7().replace(/-/g, '').slice(16));
    expect(new Set(tails).size).toBe(tails.length);
    const chunks = tails.flatMap((t) => [t.slice(0, 8), t.slice(8)]);
    expect(new Set(chunks).size).toBe(chunks.length);
  });
});
