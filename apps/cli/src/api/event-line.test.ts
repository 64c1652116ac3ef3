import type { RunEvent } from '@baton/sdk';
import { describe, expect, it } from 'vitest';
import { VALUE_LIMIT, eventLine, shortEventType } from './event-line.ts';

const QUALIFIED = 'hello-01a23e52-ba4d-7373-a2ca-e49795055243.demo';
const event = (seq: number, type: string, data: Record<string, unknown>): RunEvent => ({
  specversion: '1.0',
  id: `e${seq}`,
  source: 's',
  type,
  time: '2026-12-03T23:52:19.153456Z',
  runid: 'r',
  seq,
  data,
});
const sw = (kind: string) => `io.serverlessworkflow.${kind}.v1`;
const task = (phase: string, extra: Record<string, unknown> = {}) => ({ workflow: QUALIFIED, task: '/do/1/check', name: 'check', [`${phase}At`]: '2026-12-03T23:52:19.153Z', ...extra });

describe('shortEventType', () => {
  it('drops the namespace and version of known types', () => {
    expect(shortEventType(sw('workflow.completed'))).toBe('workflow.completed');
    expect(shortEventType('dev.baton.agent.token.v1')).toBe('agent.token');
    expect(shortEventType('com.example.custom')).toBe('com.example.custom');
  });
});

describe('eventLine', () => {
  it('names the task by its position, without the workflow prefix', () => {
    expect(eventLine(event(3, sw('task.started'), task('started')))).toBe('   3  2026-12-03 23:52:19.153  task.started         /do/1/check\n');
    expect(eventLine(event(3, sw('task.started'), { ...task('started'), task: '/do/0/loop/for/do/0' }))).toContain('  /do/0/loop/for/do/0 (check)\n');
  });

  it('says which workflow started', () => {
    expect(eventLine(event(1, sw('workflow.started'), { name: QUALIFIED, definition: { namespace: 'demo', name: 'hello', version: '1.0.0', dsl: '1.0.0' }, startedAt: 'x' }))).toBe(
      '   1  2026-12-03 23:52:19.153  workflow.started     demo/hello@1.0.0\n',
    );
  });

  it('prints errors and cancel reasons whole, however long', () => {
    const detail = `GET http://localhost:8081/health: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:8081 ${'and more '.repeat(40)}`.trim();
    const error = { type: 'https://serverlessworkflow.io/spec/1.0.0/errors/communication', status: 503, title: 'HTTP call failed', detail, instance: '/do/1/check' };
    expect(eventLine(event(7, sw('task.faulted'), task('faulted', { error })), 80)).toBe(`   7  2026-12-03 23:52:19.153  task.faulted         /do/1/check  HTTP call failed: ${detail} (503)\n`);
    expect(eventLine(event(8, sw('workflow.faulted'), { name: QUALIFIED, faultedAt: 'x', error }))).toBe(`   8  2026-12-03 23:52:19.153  workflow.faulted     HTTP call failed: ${detail} (503) at /do/1/check\n`);
    expect(eventLine(event(9, sw('workflow.cancelled'), { name: QUALIFIED, cancelledAt: 'x', reason: 'asked by ops' }))).toBe('   9  2026-12-03 23:52:19.153  workflow.cancelled   reason: asked by ops\n');
  });

  it('cuts values (outputs) to the terminal width, and to VALUE_LIMIT when not a terminal', () => {
    const output = { text: 'x'.repeat(1000) };
    const onTerminal = eventLine(event(4, sw('task.completed'), task('completed', { output })), 100);
    expect(onTerminal).toMatch(/^ {3}4 {2}2026-12-03 23:52:19\.153 {2}task\.completed {7}\/do\/1\/check {2}output \{"text":"x+…\n$/);
    expect(onTerminal.length - 1).toBeLessThanOrEqual(100);
    const piped = eventLine(event(4, sw('task.completed'), task('completed', { output })));
    expect(piped.slice(piped.indexOf('output ') + 7, -1)).toHaveLength(VALUE_LIMIT);
    expect(eventLine(event(5, sw('workflow.completed'), { name: QUALIFIED, completedAt: 'x', output: { message: 'Hello' } }))).toBe(
      '   5  2026-12-03 23:52:19.153  workflow.completed   output {"message":"Hello"}\n',
    );
  });

  it('shows agent turns, tools and tokens', () => {
    const agent = (type: string, data: Record<string, unknown>) => eventLine(event(10, `dev.baton.agent.${type}.v1`, { task: '/do/0/ask', turn: 1, ...data }));
    expect(agent('token', { index: 0, text: 'Hel lo' })).toMatch(/agent\.token {10}\/do\/0\/ask {2}turn 1: "Hel lo"\n$/);
    expect(agent('turn.completed', { model: 'gpt-4o-mini', finishReason: 'tool_calls', toolCalls: 2, usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3, costUsd: 0.00012 } })).toMatch(
      /\/do\/0\/ask {2}turn 1: gpt-4o-mini, finish tool_calls, 2 tool calls, 3 tokens \(\$0\.0001\)\n$/,
    );
    expect(agent('tool.called', { toolCallId: 'c1', name: 'weather', arguments: { city: 'Oslo' } })).toMatch(/turn 1: weather {2}arguments \{"city":"Oslo"\}\n$/);
    expect(agent('tool.result', { toolCallId: 'c1', name: 'weather', ok: false, content: 'timeout' })).toMatch(/turn 1: weather failed {2}"timeout"\n$/);
  });

  it('shows other events as key=value, objects as a value', () => {
    const line = eventLine(event(11, 'dev.baton.approval.requested.v1', { approvalId: 'r:e2', task: 'approve', title: 'Refund 30 EUR', level: 0, approvers: ['alice', 'bob'], quorum: 1 }));
    expect(line).toBe('  11  2026-12-03 23:52:19.153  approval.requested   approve  approvalId=r:e2 title="Refund 30 EUR" level=0 approvers=alice,bob quorum=1\n');
    expect(eventLine(event(12, 'com.example.custom', { a: { b: 1 } }))).toBe('  12  2026-12-03 23:52:19.153  com.example.custom   {"a":{"b":1}}\n');
  });
});
