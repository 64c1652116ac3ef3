// The dashboard's pure helpers (apps/web/js/format.js, timeline.js). They are browser ES modules
// without type declarations, so they are loaded by URL (typed loosely here).
import { describe, expect, it } from 'vitest';

const load = (file: string): Promise<any> => import(new URL(`../../apps/web/js/${file}`, import.meta.url).href);
const format = await load('format.js');
const timeline = await load('timeline.js');
const feed = await load('feed.js');
const markdown = await load('shared/markdown.js');
const schemaForm = await load('shared/schema-form.js');
const tree = await load('shared/tree.js');

const event = (seq: number, type: string, data: object = {}) => ({ seq, type, time: `2026-11-27T12:00:0${seq % 10}.000Z`, data });
const TASK = 'io.serverlessworkflow.task.';
const WF = 'io.serverlessworkflow.workflow.';

describe('format', () => {
  it('formats durations at every scale', () => {
    expect([850, 1234, 12_345, 245_000, 7_380_000, 273_600_000].map(format.formatDuration)).toEqual(['850 ms', '1.2 s', '12 s', '4 m 05 s', '2 h 03 m', '3 d 4 h']);
    expect(format.formatDuration(NaN)).toBe('—');
  });

  it('measures a run from its start to its end, or to now while it runs', () => {
    const base = { createdAt: '2026-11-27T12:00:00.000Z', startedAt: '2026-11-27T12:00:01.000Z', updatedAt: '2026-11-27T12:00:03.000Z' };
    expect(format.runDuration({ ...base, status: 'completed', endedAt: '2026-11-27T12:00:04.500Z' })).toBe(3500);
    expect(format.runDuration({ ...base, status: 'running' }, Date.parse('2026-11-27T12:00:11.000Z'))).toBe(10_000);
    expect(format.runDuration({ createdAt: base.createdAt, updatedAt: base.updatedAt, status: 'pending' }, Date.parse('2026-11-27T12:00:02.000Z'))).toBe(2000);
  });

  it('says how long ago', () => {
    const now = Date.parse('2026-11-27T12:00:00.000Z');
    expect(format.relativeTime('2026-11-27T11:59:55.000Z', now)).toBe('just now');
    expect(format.relativeTime('2026-11-27T11:55:00.000Z', now)).toBe('5 min ago');
    expect(format.relativeTime('2026-11-27T09:00:00.000Z', now)).toBe('3 h ago');
    expect(format.relativeTime('2026-11-20T09:00:00.000Z', now)).toBe('2026-11-20');
    expect(format.relativeTime('not a date', now)).toBe('—');
  });

  it('says how long until (deadlines)', () => {
    const now = Date.parse('2026-11-27T12:00:00.000Z');
    expect(format.relativeTime('2026-11-27T12:00:05.000Z', now)).toBe('in a few seconds');
    expect(format.relativeTime('2026-11-27T12:00:40.000Z', now)).toBe('in 40 s');
    expect(format.relativeTime('2026-11-27T12:05:00.000Z', now)).toBe('in 5 min');
    expect(format.relativeTime('2026-11-27T14:00:00.000Z', now)).toBe('in 2 h');
    expect(format.relativeTime('2026-11-30T12:00:00.000Z', now)).toBe('in 3 d');
    expect(format.relativeTime('2027-03-01T12:00:00.000Z', now)).toBe('2027-03-01');
  });

  it('parses the input editor and explains JSON mistakes', () => {
    expect(format.parseJsonInput('  ')).toEqual({ ok: true, value: {} });
    expect(format.parseJsonInput('{"a": [1]}')).toEqual({ ok: true, value: { a: [1] } });
    expect(format.parseJsonInput('{"a": ')).toMatchObject({ ok: false, error: expect.any(String) });
  });

  it('renders problems and usage for people', () => {
    expect(format.problemText({ title: 'Conflict', status: 409, detail: 'the run has already finished' })).toBe('Conflict 409: the run has already finished');
    expect(format.problemText(undefined)).toBe('unknown error');
    expect(format.formatUsage('llm.tokens.input', 12_345)).toBe('12,345');
    expect(format.formatUsage('llm.costUsd', 0.0123)).toBe('$0.01');
    expect(format.formatUsage('llm.costUsd', 0.0042)).toBe('$0.0042');
  });
});

describe('timeline', () => {
  it('describes lifecycle events and skips duplicates across a replay and a poll', () => {
    const t = timeline.createTimeline();
    const first = timeline.addEvents(t, [event(1, `${WF}started.v1`), event(2, `${TASK}started.v1`, { task: '/do/0/greet', name: 'greet' })]);
    expect(first.added.map((e: any) => e.title)).toEqual(['Run started', 'Task greet started']);
    const again = timeline.addEvents(t, [event(2, `${TASK}started.v1`, { task: '/do/0/greet', name: 'greet' }), event(3, `${TASK}faulted.v1`, { task: '/do/0/greet', name: 'greet', error: { title: 'Timeout', status: 408, detail: 'took too long' } })]);
    expect(again.added).toHaveLength(1);
    expect(again.added[0]).toMatchObject({ title: 'Task greet faulted', tone: 'bad', note: 'Timeout · 408 · took too long', subtitle: '/do/0/greet' });
    expect(t.terminal).toBeUndefined();
    timeline.addEvents(t, [event(4, `${WF}completed.v1`, { output: { ok: true } })]);
    expect(t.terminal.seq).toBe(4);
    expect(t.entries.at(-1)).toMatchObject({ title: 'Run completed', detailLabel: 'output', detail: { ok: true } });
  });

  it('shows a task created as a quiet entry without repeating the members in its title', () => {
    const created = timeline.describeEvent({ type: `${TASK}created.v1`, data: { workflow: 'greet-r1.web', task: '/do/0/greet', name: 'greet', createdAt: '2026-11-27T12:00:00.000Z' } });
    expect(created).toMatchObject({ kind: 'task', tone: 'muted', title: 'Task greet created', subtitle: '/do/0/greet', detail: undefined });
  });

  it('folds the token events of one agent turn (and attempt) into one growing entry', () => {
    const t = timeline.createTimeline();
    const token = (seq: number, turn: number, text: string, attempt?: number) => event(seq, 'dev.baton.agent.token.v1', { task: '/do/0/ask', turn, index: seq, text, ...(attempt ? { attempt } : {}) });
    const one = timeline.addEvents(t, [token(1, 1, 'Hel'), token(2, 1, 'lo')]);
    expect(one.added).toHaveLength(1);
    expect(one.grown).toEqual([]);
    expect(one.added[0]).toMatchObject({ kind: 'agent-text', title: 'Agent ask · turn 1', text: 'Hello' });
    const two = timeline.addEvents(t, [token(3, 1, '!'), token(4, 2, 'Next'), token(5, 2, 'Again', 2)]);
    expect(two.grown.map((e: any) => e.text)).toEqual(['Hello!']);
    expect(two.added.map((e: any) => [e.title, e.text])).toEqual([['Agent ask · turn 2', 'Next'], ['Agent ask · turn 2 (attempt 2)', 'Again']]);
  });

  it('describes agent, tool and approval events', () => {
    const d = (type: string, data: object) => timeline.describeEvent({ type, data });
    expect(d('dev.baton.agent.turn.completed.v1', { task: '/do/0/ask', turn: 2, model: 'gpt-x', finishReason: 'tool_calls', toolCalls: 1, usage: { totalTokens: 30 } })).toMatchObject({ title: 'Agent ask · turn 2 completed', note: 'gpt-x · tool_calls · 30 tokens · 1 tool call' });
    expect(d('dev.baton.agent.tool.result.v1', { name: 'search', ok: false, content: 'boom' })).toMatchObject({ title: 'Tool search failed', tone: 'bad', detail: 'boom' });
    expect(d('dev.baton.approval.requested.v1', { approvalId: 'a1', title: 'Ship?', approvers: ['ada', 'bob'] })).toMatchObject({ title: 'Approval requested: Ship?', note: 'approvers: ada, bob', approvalId: 'a1' });
    expect(d('dev.baton.approval.decided.v1', { approver: 'bob', decision: 'reject', comment: 'no' })).toMatchObject({ title: 'bob rejected', tone: 'bad', note: 'no' });
    expect(d('com.example.custom', { x: 1 })).toMatchObject({ kind: 'other', title: 'com.example.custom', detail: { x: 1 } });
  });
});

describe('feed', () => {
  it('finds the fanout on port 8085 of the page host unless told otherwise', () => {
    expect(feed.streamUrl({ protocol: 'http:', hostname: 'baton.local' })).toBe('ws://baton.local:8085/v1/stream');
    expect(feed.streamUrl({ protocol: 'https:', hostname: '::1' })).toBe('wss://[::1]:8085/v1/stream');
    expect(feed.streamUrl({ protocol: 'http:', hostname: 'x' }, 'wss://proxy.example/stream')).toBe('wss://proxy.example/stream');
  });

  it('takes the fanout the API names (GET /api/v1/info) before port 8085; the dialog\'s URL still wins', () => {
    expect(feed.streamUrl({ protocol: 'http:', hostname: 'x' }, '', 'http://x:18485')).toBe('ws://x:18485/v1/stream');
    expect(feed.streamUrl({ protocol: 'https:', hostname: 'x' }, '', 'https://stream.example/')).toBe('wss://stream.example/v1/stream');
    expect(feed.streamUrl({ protocol: 'http:', hostname: 'x' }, 'wss://proxy.example/stream', 'http://x:18485')).toBe('wss://proxy.example/stream');
  });
});

describe('shared renderers (the inbox and the signed-link approval page)', () => {
  it('draws markdown as a tree whose text stays text', () => {
    const nodes = markdown.markdownTree('# Title\n\n**Reason:** see [the quote](https://example.com/q) and `x<y`\n\n- one\n- *two*\n\n<script>alert(1)</script>', { topHeading: 3 });
    expect(nodes.map((n: any) => n.tag)).toEqual(['h3', 'p', 'ul', 'p']);
    expect(tree.toHtml(nodes)).toBe(
      '<h3>Title</h3><p><strong>Reason:</strong> see <a href="https://example.com/q" rel="noopener noreferrer">the quote</a> and <code>x&lt;y</code></p>' +
        '<ul><li>one</li><li><em>two</em></li></ul><p>&lt;script&gt;alert(1)&lt;/script&gt;</p>',
    );
    // Only http(s) and mailto links become links.
    expect(tree.toHtml(markdown.markdownTree('[x](javascript:alert(1))'))).toBe('<p>[x](javascript:alert(1))</p>');
  });

  it('refuses tags and attributes a tree must not hold', () => {
    expect(() => tree.toHtml({ tag: 'script', children: [] })).toThrow(/cannot hold <script>/);
    expect(tree.toHtml({ tag: 'a', attrs: { href: 'javascript:x', onclick: 'x', style: 'x', title: '"q"' }, children: ['a'] })).toBe('<a title="&quot;q&quot;">a</a>');
  });

  it('draws a form from a JSON Schema and reads the fields back as typed data', () => {
    const form = { type: 'object', required: ['cc'], properties: { cc: { type: 'string', title: 'Cost center' }, n: { type: 'integer', minimum: 1 }, ok: { type: 'boolean' }, tags: { type: 'array' }, r: { enum: ['eu', 'us'] } } };
    const html = tree.toHtml(schemaForm.formTree(form, { idPrefix: 'x-', values: { 'f.r': 'us' } }));
    expect(html).toContain('<label for="x-cc">Cost center <span class="req" aria-hidden="true">*</span></label><input type="text" id="x-cc" name="f.cc" required value="">');
    expect(html).toContain('<input type="number" step="1" min="1" id="x-n" name="f.n" value="">');
    expect(html).toContain('<option value="us" selected>us</option>');
    expect(html).toContain('<textarea id="x-tags" name="f.tags" placeholder="JSON"></textarea>');
    expect(schemaForm.formData(form, { 'f.cc': 'A1', 'f.n': '3', 'f.tags': '["a"]', 'f.r': '' })).toEqual({ cc: 'A1', n: 3, ok: false, tags: ['a'] });
  });
});
