import { describe, expect, it } from 'vitest';
import { validateWorkflow } from './validate.ts';

const workflow = (tasks: unknown[], extra: Record<string, unknown> = {}) => ({ document: { dsl: '1.0.3', namespace: 'team-a', name: 's', version: '1.0.0' }, do: tasks, ...extra });
const secretProblems = (doc: unknown) => validateWorkflow(doc).filter((p) => p.message.includes('$secrets'));

describe('where $secrets may be read', () => {
  it('row 8: refuses set: {leaked: ${ $secrets.DEMO }} at registration, naming the path', () => {
    expect(secretProblems(workflow([{ leak: { set: { leaked: '${ $secrets.DEMO }' } } }]))).toEqual([
      { path: '/do/0/leak/set/leaked', message: expect.stringContaining('$secrets cannot be read here: the runner evaluates this expression and stores its result') },
    ]);
  });

  it('refuses it in every expression the runner evaluates, bare jq included', () => {
    const doc = workflow(
      [
        { a: { if: '$secrets.X == "1"', set: { v: 1 } } },
        { b: { set: { v: 1 }, output: { as: '$secrets.X' }, export: { as: '${ { k: $secrets.X } }' } } },
        { c: { switch: [{ s: { when: '${ $secrets.X }', then: 'end' } }] } },
        { d: { call: 'fetch', with: { token: '${ $secrets.X }' } } },
        { e: { call: 'agent:1.0.0@default', with: { model: 'm', prompt: '${ "key " + $secrets.X }' } } },
        { f: { call: 'approval:1.0.0@default', with: { approvers: ['ops'], title: '${ $secrets.X }' } } },
      ],
      { input: { from: '${ $secrets.X }' }, use: { functions: { fetch: { call: 'http', with: { method: 'get', endpoint: 'https://x.example' } } } } },
    );
    expect(secretProblems(doc).map((p) => p.path).sort()).toEqual(['/do/0/a/if', '/do/1/b/export/as', '/do/1/b/output/as', '/do/2/c/switch/0/s/when', '/do/3/d/with/token', '/do/4/e/with/prompt', '/do/5/f/with/title', '/input/from'].sort());
  });

  it('accepts it where a worker resolves it', () => {
    const doc = workflow(
      [
        { get: { call: 'http', with: { method: 'get', endpoint: 'https://x.example', headers: { authorization: '${ "Bearer " + $secrets.TOKEN }' }, query: { k: '${ $secrets["api-key"] }' }, body: { p: '${ $secrets.X.password }' } } } },
        { ask: { call: 'approval:1.0.0@default', with: { approvers: ['ops'], notify: [{ url: '${ $secrets.SLACK_WEBHOOK }', format: 'slack' }] } } },
        { agent: { call: 'agent:1.0.0@default', with: { model: 'm', prompt: 'hi', tools: [{ name: 'w', call: 'http', with: { method: 'get', endpoint: 'https://w.example', headers: { k: '${ $secrets.KEY }' } } }] } } },
        { fn: { call: 'fetch' } },
      ],
      { use: { secrets: ['corp'], authentications: { corp: { bearer: { token: '${ $secrets.CORP }' } } }, functions: { fetch: { call: 'http', with: { method: 'get', endpoint: 'https://x.example', headers: { k: '${ $secrets.K }' } } } } } },
    );
    expect(secretProblems(doc)).toEqual([]);
  });

  it('asks for literal names, and ignores $secrets mentioned in strings, metadata and schemas', () => {
    expect(secretProblems(workflow([{ get: { call: 'http', with: { method: 'get', endpoint: 'https://x.example', headers: { k: '${ $secrets[.name] }' } } } }]))).toEqual([
      { path: '/do/0/get/with/headers/k', message: expect.stringContaining('name each secret') },
    ]);
    expect(secretProblems(workflow([{ s: { set: { v: '${ "$secrets.X is documented" }' }, metadata: { note: '${ $secrets.X }' } } }]))).toEqual([]);
  });
});
