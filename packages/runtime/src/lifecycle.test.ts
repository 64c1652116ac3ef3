// exitOnFatalError in a child process: a rejection nobody handles is logged as fatal with its
// stack, the stop functions run, and the process exits with 70 (and does not serve on).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FATAL_EXIT_CODE } from './lifecycle.ts';

const lifecycle = fileURLToPath(new URL('./lifecycle.ts', import.meta.url));

function run(trigger: string) {
  const script = `
    import { exitOnFatalError } from ${JSON.stringify(lifecycle)};
    import { pino } from 'pino';
    exitOnFatalError(pino(), [async () => { process.stdout.write('STOPPED\\n'); }]);
    setInterval(() => process.stdout.write('SERVING\\n'), 20);
    ${trigger}
  `;
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
}

describe('exitOnFatalError', () => {
  it.each([
    ['an unhandled rejection', "setTimeout(() => Promise.reject(new Error('boom-rejection')), 10);", 'boom-rejection', 'unhandledRejection'],
    ['an uncaught exception', "setTimeout(() => { throw new Error('boom-exception'); }, 10);", 'boom-exception', 'uncaughtException'],
  ])('stops the process on %s, logged as fatal with its stack', (_label, trigger, message, kind) => {
    const result = run(trigger);
    expect(result.status).toBe(FATAL_EXIT_CODE);
    const fatal = result.stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line)).find((line) => line.level === 60);
    expect(fatal).toMatchObject({ kind, err: { message, stack: expect.stringContaining(message) } });
    expect(result.stdout).toContain('STOPPED');
  });
});
