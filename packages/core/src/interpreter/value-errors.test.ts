import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { valueErrorsText } from './value-errors.ts';

const check = (schema: object, value: unknown): string => {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  expect(validate(value)).toBe(false);
  return valueErrorsText(validate.errors, value);
};

describe('valueErrorsText', () => {
  it('names the allowed values of an enum, and what the value was', () => {
    const schema = { type: 'object', properties: { priority: { enum: ['low', 'high', 3] } } };
    expect(check(schema, { priority: 'urgent' })).toBe('/priority must be one of "low", "high", 3 (got "urgent")');
    expect(check({ enum: ['a'] }, 'b')).toBe('/ must be one of "a" (got "b")');
    expect(check({ properties: { 'a/b': { const: true } } }, { 'a/b': false })).toBe('/a~1b must be true (got false)');
  });

  it('keeps Ajv\'s words for the rest, and leaves out a long value', () => {
    expect(check({ type: 'object', required: ['name'] }, {})).toBe("/ must have required property 'name'");
    expect(check({ properties: { x: { enum: ['short'] } } }, { x: 'y'.repeat(100) })).toBe('/x must be one of "short"');
  });
});
