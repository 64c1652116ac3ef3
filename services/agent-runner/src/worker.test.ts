import { Writable } from 'node:stream';
import { createBus } from '@baton/bus';
import { createLogger } from '@baton/runtime';
import { Registry } from 'prom-client';
import { expect, it } from 'vitest';
import { agentRunnerOptions } from './options.ts';
import { MISSING_KEY, createAgentRunner } from './worker.ts';

async function startLines(apiKey?: string): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const bus = createBus({ kind: 'memory' });
  const runner = createAgentRunner({ bus, logger: createLogger('agent-runner', 'info', stream), metrics: new Registry(), options: agentRunnerOptions(apiKey ? { apiKey } : {}) });
  await runner.start();
  await runner.stop();
  await bus.close();
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

it('says at start that OPENAI_API_KEY is missing and what that means for agent steps', async () => {
  const lines = await startLines();
  expect(lines.find((l) => l.msg === 'agent-runner started')).toMatchObject({ credentials: 'none', baseUrl: 'https://api.openai.com/v1' });
  expect(lines.find((l) => l.level === 'warn')).toMatchObject({ msg: MISSING_KEY });
  expect(MISSING_KEY).toMatch(/^OPENAI_API_KEY is not set: every agent step \(call: agent\) faults with a configuration error/);
  expect(JSON.stringify(lines)).not.toContain('[redacted]');
});

it('with a key, says it is set and never shows it', async () => {
  const lines = await startLines('sk-test-0123456789');
  expect(lines.find((l) => l.msg === 'agent-runner started')).toMatchObject({ credentials: 'OPENAI_API_KEY set' });
  expect(lines.some((l) => l.level === 'warn')).toBe(false);
  expect(JSON.stringify(lines)).not.toContain('sk-test');
});
