import { describe, expect, it } from 'vitest';
import { UsageError } from '../api/args.ts';
import { eventFrom, isJsonMediaType, sentLine } from './events-send.ts';
import { isSend } from './events.ts';

const NOW = () => new Date('2026-11-27T12:00:00.000Z');
const noStdin = () => Promise.reject(new Error('stdin read'));

describe('isSend', () => {
  it('chooses send when it is the first positional, whatever options come before it', () => {
    expect(isSend(['send', '--type', 't'])).toBe(true);
    expect(isSend(['-o', 'json', '--url', 'http://h:1', 'send'])).toBe(true);
    expect(isSend(['--type', 't', 'send'])).toBe(true);
  });

  it('leaves a run id, and an option value spelt "send", to `baton events ID`', () => {
    expect(isSend(['01a21cb5-1fac-71bd-8bc9-d0f1308407a1', '--after', '3'])).toBe(false);
    expect(isSend(['01a21cb5-1fac-71bd-8bc9-d0f1308407a1', 'send'])).toBe(false);
    expect(isSend(['--api-key', 'send', '01a21cb5-1fac-71bd-8bc9-d0f1308407a1'])).toBe(false);
    expect(isSend([])).toBe(false);
  });
});

describe('eventFrom', () => {
  it('fills in specversion, a fresh UUID and the time; no data, no datacontenttype', async () => {
    const event = await eventFrom({ type: 't', source: 's' }, noStdin, NOW);
    expect(event).toEqual({ specversion: '1.0', id: expect.stringMatching(/^[0-9a-f-]{36}$/), source: 's', type: 't', time: '2026-11-27T12:00:00.000Z' });
    expect((await eventFrom({ type: 't', source: 's' }, noStdin, NOW)).id).not.toBe(event.id);
  });

  it('parses JSON data (application/json by default, or any JSON media type) and keeps other data as text', async () => {
    expect(await eventFrom({ type: 't', source: 's', id: 'e', subject: 'x', data: '{"a":1}' }, noStdin, NOW)).toMatchObject({ id: 'e', subject: 'x', datacontenttype: 'application/json', data: { a: 1 } });
    expect((await eventFrom({ type: 't', source: 's', data: '[1]', 'content-type': 'application/vnd.x+json; charset=utf-8' }, noStdin, NOW)).data).toEqual([1]);
    expect(await eventFrom({ type: 't', source: 's', data: '{nope', 'content-type': 'text/plain' }, noStdin, NOW)).toMatchObject({ datacontenttype: 'text/plain', data: '{nope' });
    expect((await eventFrom({ type: 't', source: 's', data: '-' }, () => Promise.resolve('"from stdin"\n'), NOW)).data).toBe('from stdin');
    expect((await eventFrom({ type: 't', source: 's', 'data-file': '-' }, () => Promise.resolve('7'), NOW)).data).toBe(7);
  });

  it.each([
    [{ source: 's' }, /^missing --type /],
    [{ type: 't' }, /^missing --source /],
    [{ type: ' ', source: 's' }, /^--type must not be empty/],
    [{ type: 't', source: 's', id: '' }, /^--id must not be empty/],
    [{ type: 't', source: 's', data: '{nope' }, /^--data: not valid JSON/],
    [{ type: 't', source: 's', data: '{}', 'data-file': 'f' }, /^give --data or --data-file, not both$/],
    [{ type: 't', source: 's', 'content-type': 'text/plain' }, /^--content-type describes the data/],
    [{ type: 't', source: 's', 'data-file': '/nonexistent/event.json' }, /^--data-file \/nonexistent\/event\.json: no such file$/],
  ])('refuses %j', async (values, message) => {
    const refusal = eventFrom(values, noStdin, NOW);
    await expect(refusal).rejects.toThrow(UsageError);
    await expect(refusal).rejects.toThrow(message);
  });

  it('knows JSON media types', () => {
    expect(['application/json', 'Application/JSON; charset=utf-8', 'text/json', 'application/cloudevents+json'].every(isJsonMediaType)).toBe(true);
    expect(['text/plain', 'application/xml', 'application/jsonl', 'application/json-patch'].some(isJsonMediaType)).toBe(false);
  });
});

describe('sentLine', () => {
  it('says how many waiting listens received the event', () => {
    expect(sentLine({ id: 'e', type: 't' }, { matched: 0 })).toBe('sent event e (t): no run was waiting for it (it is not kept for later listens)\n');
    expect(sentLine({ id: 'e', type: 't' }, { matched: 1 })).toBe('sent event e (t): delivered to 1 waiting listen\n');
    expect(sentLine({ id: 'e', type: 't' }, { matched: 3 })).toBe('sent event e (t): delivered to 3 waiting listens\n');
    expect(sentLine({ id: 'e', type: 't' }, { matched: 0, runs: ['r1'] })).toBe('sent event e (t): started run r1 (scheduled on it)\n');
    expect(sentLine({ id: 'e', type: 't' }, { matched: 1, runs: ['r1', 'r2'] })).toBe('sent event e (t): delivered to 1 waiting listen; started 2 runs r1, r2 (scheduled on it)\n');
  });
});
