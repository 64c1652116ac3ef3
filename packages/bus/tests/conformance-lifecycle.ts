import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BusClosedError, BusError } from '../src/index.ts';
import { uniqueName, type BusPool, type BusUnderTest } from './support.ts';

const CHILD = fileURLToPath(new URL('./close-exits.child.ts', import.meta.url));
/** A process with nothing left to do exits in well under this; an open handle keeps it alive. */
const EXIT_DEADLINE_MS = 15_000;

export function lifecycleConformance(pool: BusPool, target: BusUnderTest): void {
  describe('lifecycle', () => {
    it('ping answers true while open and false once closed', async () => {
      const bus = pool.create();
      expect(await bus.ping()).toBe(true);
      await bus.close();
      expect(await bus.ping()).toBe(false);
    });

    it('epoch: the same answer while the data lives (the runner repairs on a change), refused once closed', async () => {
      const bus = pool.create();
      const first = await bus.epoch();
      expect(first).toMatch(/\S/);
      await bus.enqueue(uniqueName('epoch'), [1]);
      expect(await bus.epoch()).toBe(first);
      await bus.close();
      await expect(bus.epoch()).rejects.toBeInstanceOf(BusClosedError);
    });

    it('close wakes blocked consumes with [] and refuses later calls', async () => {
      const bus = pool.create();
      const queue = uniqueName('closing');
      const blocked = bus.consume(queue, 'c1', { max: 1, blockMs: 30_000, visibilityMs: 1_000 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      await bus.close();
      expect(await blocked).toEqual([]);
      await expect(bus.enqueue(queue, [1])).rejects.toBeInstanceOf(BusClosedError);
      await expect(bus.subscribe(queue, () => undefined)).rejects.toBeInstanceOf(BusClosedError);
      await bus.close(); // twice is harmless
    });

    it('close right after a consume started (still connecting, not yet blocked) wakes it too', async () => {
      const bus = pool.create();
      const starting = bus.consume(uniqueName('racing'), 'c1', { max: 1, blockMs: 30_000, visibilityMs: 1_000 });
      await bus.close();
      expect(await starting).toEqual([]);
    });

    it('rejects a body that JSON cannot carry, and enqueues nothing of that batch', async () => {
      const bus = pool.create();
      const queue = uniqueName('bad-body');
      const error: unknown = await bus.enqueue(queue, [1, 2n]).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BusError);
      expect((error as BusError).code).toBe('BAD_MESSAGE');
      expect(await bus.depth(queue)).toEqual({ waiting: 0, inFlight: 0 });
    });

    it('close releases everything: a process that used every feature exits by itself', async () => {
      const { code, output } = await runChild(JSON.stringify(target.config()));
      expect(output).toContain('closed cleanly');
      expect(code).toBe(0);
    }, EXIT_DEADLINE_MS + 5_000);
  });
}

function runChild(config: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the process did not exit within ${EXIT_DEADLINE_MS} ms of bus.close(): an open handle is left. Output:\n${output}`));
    }, EXIT_DEADLINE_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
