import fc from 'fast-check';
import pgUtils from 'pg/lib/utils.js';
import { describe, expect, it } from 'vitest';
import { escapeArrayElement, pgParamText } from '../src/db/array-text.ts';

describe('array parameter text', () => {
  const prepareValue = pgUtils.prepareValue;
  const ours = pgParamText(prepareValue);

  it('is node-postgres’s text for any parameter: flat, nested, nulls, quotes, backslashes, numbers, booleans, Dates, objects', () => {
    const scalar = fc.oneof(fc.string(), fc.constantFrom('a"b', 'c\\d', '\\"', '""\\\\', '', 'NULL', '{x}', 'ü✓𝄞', '{"k":"v\\n"}'), fc.constant(null), fc.constant(undefined), fc.integer(), fc.double({ noNaN: false }), fc.boolean());
    const other = fc.oneof(fc.date({ noInvalidDate: true }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }));
    const value = fc.oneof(scalar, other, fc.array(scalar, { maxLength: 8 }), fc.array(fc.oneof(scalar, other), { maxLength: 4 }), fc.array(fc.array(scalar, { maxLength: 3 }), { maxLength: 3 }));
    fc.assert(
      fc.property(value, (v) => {
        expect(ours(v)).toEqual(prepareValue(v));
      }),
      { numRuns: 3_000 },
    );
  });

  it('escapes a backslash and a double quote with a backslash, nothing else', () => {
    expect(escapeArrayElement('plain')).toBe('plain');
    expect(escapeArrayElement('{"a":"b\\\\c"}')).toBe('{\\"a\\":\\"b\\\\\\\\c\\"}');
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(escapeArrayElement(s)).toBe(s.replace(/\\/g, '\\\\').replace(/"/g, '\\"'));
      }),
      { numRuns: 2_000 },
    );
  });
});
