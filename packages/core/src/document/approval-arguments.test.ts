import { describe, expect, it } from 'vitest';
import { validateWorkflow } from './validate.ts';

const doc = (args: unknown) => ({ document: { dsl: '1.0.0', namespace: 'test', name: 'a', version: '1.0.0' }, do: [{ review: { call: 'approval:1.0.0@default', with: args } }] });
const paths = (args: unknown) => validateWorkflow(doc(args)).map((p) => p.path);

describe('approval arguments at registration', () => {
  it('accepts a complete step, and expressions anywhere', () => {
    expect(validateWorkflow(doc({ title: 'T', description: 'd', approvers: ['a@x.io', 'group:ops'], quorum: 2, form: { type: 'object' }, timeout: 'PT1H', onTimeout: 'escalate', escalation: [{ approvers: ['boss'], timeout: { minutes: 5 } }], notify: ['https://h.example/x', { url: '${ $secrets.SLACK }', format: 'slack' }], onReject: 'continue' }))).toEqual([]);
    expect(validateWorkflow(doc({ approvers: '${ .approvers }', quorum: '${ .n }', timeout: '${ .t }' }))).toEqual([]);
  });

  it('names each wrong member by its path', () => {
    expect(paths({ approvers: [], quorum: 0 })).toEqual(expect.arrayContaining(['/do/0/review/with/approvers', '/do/0/review/with/quorum']));
    expect(paths({ approvers: ['a', 'a b'], onReject: 'maybe' })).toEqual(expect.arrayContaining(['/do/0/review/with/approvers/1', '/do/0/review/with/onReject']));
    expect(paths({ approvers: ['a'], escalation: [{ approvers: ['b', 'c'], quorum: 3, when: 1 }] })).toEqual(expect.arrayContaining(['/do/0/review/with/escalation/0/quorum', '/do/0/review/with/escalation/0/when']));
    expect(paths({ approvers: ['a'], notify: [{ url: 'https://x.io', format: 'teams' }] })).toEqual(['/do/0/review/with/notify/0/format']);
  });

  it('refuses a form pattern the linear-time engine cannot run, naming where it is', () => {
    const problems = validateWorkflow(doc({ approvers: ['a'], form: { type: 'object', properties: { code: { type: 'string', pattern: '^(a)\\1$' }, ok: { type: 'string', pattern: '^(a+)+$' } } } }));
    expect(problems.map((p) => p.path)).toEqual(['/do/0/review/with/form/properties/code/pattern']);
    expect(problems[0]!.message).toMatch(/\\1/);
  });
});
