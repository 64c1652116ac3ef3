import { describe, expect, it } from 'vitest';
import { Mutex } from './mutex.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('Mutex', () => {
  it('runs one holder at a time, waiters in arrival order', async () => {
    const mutex = new Mutex();
    const order: string[] = [];
    let inside = 0;
    const job = (name: string) =>
      mutex.run(async () => {
        inside += 1;
        expect(inside).toBe(1);
        order.push(name);
        await tick();
        inside -= 1;
      });
    await Promise.all(['a', 'b', 'c', 'd'].map(job));
    expect(order).toEqual(['a', 'b', 'c', 'd']);
  });

  it('serves urgent waiters (statements) before the others (transactions), each group in order', async () => {
    const mutex = new Mutex();
    const order: string[] = [];
    const job = (name: string, urgent: boolean) =>
      mutex.run(async () => {
        order.push(name);
        await tick();
      }, urgent);
    await Promise.all([job('tx1', false), job('tx2', false), job('read1', true), job('tx3', false), job('read2', true)]);
    expect(order).toEqual(['tx1', 'read1', 'read2', 'tx2', 'tx3']);
  });

  it('passes the lock on when a holder fails, and is free again afterwards', async () => {
    const mutex = new Mutex();
    await expect(mutex.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await mutex.run(async () => 'next')).toBe('next');
  });
});
