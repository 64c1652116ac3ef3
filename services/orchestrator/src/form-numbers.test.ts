import { describe, expect, it } from 'vitest';
import { unsafeIntegerIssue } from './form-numbers.ts';

const FORM = {
  type: 'object',
  properties: {
    amount: { type: 'integer', minimum: 1 },
    ratio: { type: 'number' },
    lines: { type: 'array', items: { type: 'object', properties: { qty: { type: ['integer', 'null'] } } } },
    extra: { type: 'object', additionalProperties: { anyOf: [{ type: 'integer' }, { type: 'string' }] } },
  },
};

describe('unsafeIntegerIssue', () => {
  it('names an integer beyond ±(2^53 − 1) where the form says integer, at any depth', () => {
    expect(unsafeIntegerIssue(FORM, JSON.parse('{"amount": 9007199254740993}'))).toEqual({ path: ['amount'], message: expect.stringContaining('9007199254740991') });
    expect(unsafeIntegerIssue(FORM, { lines: [{ qty: 1 }, { qty: -1e20 }] })?.path).toEqual(['lines', 1, 'qty']);
    expect(unsafeIntegerIssue(FORM, { extra: { n: 2 ** 60 } })?.path).toEqual(['extra', 'n']);
  });

  it('leaves safe integers, number fields, and what the form does not type', () => {
    expect(unsafeIntegerIssue(FORM, { amount: Number.MAX_SAFE_INTEGER, ratio: 1e300, lines: [{ qty: null }], other: 2 ** 60 })).toBeUndefined();
    expect(unsafeIntegerIssue(undefined, { amount: 2 ** 60 })).toBeUndefined();
    expect(unsafeIntegerIssue(FORM, 'not an object')).toBeUndefined();
  });
});
