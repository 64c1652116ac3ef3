import { describe, expect, it } from 'vitest';
import { isStorableText, jsonValueIssue, MAX_JSON_DEPTH } from './storable.ts';

describe('isStorableText', () => {
  it('refuses NUL and unpaired surrogates', () => {
    for (const text of ['a\u0000b', '\uD800', 'x\uDC00', '\uDC00\uD800']) expect(isStorableText(text), JSON.stringify(text)).toBe(false);
  });

  it('accepts ordinary text and emoji (paired surrogates)', () => {
    for (const text of ['', 'héllo', '😀', 'a\tb\n']) expect(isStorableText(text)).toBe(true);
  });
});

describe('jsonValueIssue', () => {
  it('accepts ordinary JSON, NUL in strings included (jsonb keeps it escaped)', () => {
    expect(jsonValueIssue({ a: [1, 'x\u0000', null, { b: true }], n: 1e308 })).toBeUndefined();
  });

  it('names a number JSON cannot hold (1e400 parses to Infinity)', () => {
    expect(jsonValueIssue(JSON.parse('{"a":[0,{"n":1e400}]}'))).toEqual({ path: ['a', 1, 'n'], message: expect.stringMatching(/number/) });
  });

  it('names where a value nests too deeply, without overflowing the stack itself', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}1${']'.repeat(100_000)}`);
    const issue = jsonValueIssue({ input: deep });
    expect(issue?.path).toHaveLength(MAX_JSON_DEPTH);
    expect(issue?.path.slice(0, 2)).toEqual(['input', 0]);
  });
});
