import { describe, expect, it } from 'vitest';
import { TurnBatch } from './turn-batch.ts';

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('TurnBatch', () => {
  it('loads the keys asked for in one turn together, each once; a key not found is undefined', async () => {
    const loads: string[][] = [];
    const batch = new TurnBatch<string, number>(async (keys) => (loads.push(keys), new Map(keys.filter((k) => k !== 'gone').map((k) => [k, k.length]))));
    const answers = await Promise.all([batch.get('a'), batch.get('bb'), batch.get('a'), batch.get('gone')]);
    expect(answers).toEqual([1, 2, 1, undefined]);
    expect(loads).toEqual([['a', 'bb', 'gone']]);
    // The next turn's reads are the next load.
    expect(await batch.get('ccc')).toBe(3);
    expect(loads).toEqual([['a', 'bb', 'gone'], ['ccc']]);
  });

  it('is not sent before the turn ends, and a failed load fails every read of it', async () => {
    let loaded = 0;
    const batch = new TurnBatch<number, number>(async () => {
      loaded += 1;
      throw new Error('connection lost');
    });
    const reads = [batch.get(1), batch.get(2)];
    expect(loaded).toBe(0);
    await Promise.resolve();
    expect(loaded).toBe(0);
    for (const read of reads) await expect(read).rejects.toThrow('connection lost');
    expect(loaded).toBe(1);
  });

  it('sends at most 1,000 keys per load', async () => {
    const sizes: number[] = [];
    const batch = new TurnBatch<number, number>(async (keys) => (sizes.push(keys.length), new Map(keys.map((k) => [k, k * 2]))));
    const answers = await Promise.all(Array.from({ length: 2_500 }, (_, i) => batch.get(i)));
    expect(answers[2_499]).toBe(4_998);
    expect(sizes).toEqual([1_000, 1_000, 500]);
    await turn();
  });
});
