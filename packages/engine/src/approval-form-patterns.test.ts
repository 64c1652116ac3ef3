// Approval form schemas run `pattern` and `patternProperties` on RE2 (issue 12, row 7): form data
// posted to the public /approve/{token} page cannot stall the process, and a pattern RE2 cannot
// run is refused when the approval opens, with a message naming it.
import { describe, expect, it } from 'vitest';
import { schemaPatternProblems } from '@baton/core/jq';
import { checkFormData, parseApprovalSpec } from './approval-rules.ts';

function specWith(form: Record<string, unknown>) {
  const parsed = parseApprovalSpec({ approvers: ['alice'], form }, 'review');
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.spec;
}

describe('issue 12, row 7: a form field with pattern ^(a+)+$', () => {
  const spec = specWith({ type: 'object', properties: { code: { type: 'string', pattern: '^(a+)+$' } } });

  it('answers 30 characters at once (2.4 s per request before, doubling per character)', () => {
    const started = Date.now();
    expect(checkFormData(spec, { code: `${'a'.repeat(30)}!` })).toEqual([{ path: '/data/code', message: 'must match pattern "^(a+)+$"' }]);
    expect(checkFormData(spec, { code: `${'a'.repeat(100_000)}!` })).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(5_000); // "did not hang"
    expect(checkFormData(spec, { code: 'a'.repeat(30) })).toEqual([]);
  });

  it('runs patternProperties on RE2 too', () => {
    const props = specWith({ type: 'object', patternProperties: { '^(a+)+$': { type: 'number' } } });
    expect(checkFormData(props, { [`${'a'.repeat(30)}!`]: 'x', aaa: 'y' })).toEqual([{ path: '/data/aaa', message: 'must be number' }]);
  });

  it('keeps ECMAScript pattern syntax: classes, \\d, named groups, \\u escapes, case-insensitive Unicode', () => {
    const s = specWith({
      type: 'object',
      properties: { id: { pattern: '^(?<p>[A-Z]{2})-\\d{4}$' }, name: { pattern: '^caf\\u00e9$' }, any: { pattern: '[^\\s]' } },
    });
    expect(checkFormData(s, { id: 'AB-1234', name: 'café', any: ' x' })).toEqual([]);
    expect(checkFormData(s, { id: 'ab-1234', name: 'cafe', any: '  ' }).map((p) => p.path)).toEqual(['/data/id', '/data/name', '/data/any']);
  });
});

describe('patterns RE2 cannot run', () => {
  it.each([['^(a)\\1$', '\\1'], ['^x(?=y)', '(?='], ['(?<!a)b', '(?<']])('refuses %s when the approval opens, naming it', (pattern, construct) => {
    const parsed = parseApprovalSpec({ approvers: ['alice'], form: { type: 'object', properties: { f: { type: 'string', pattern } } } }, 'review');
    expect(parsed.ok).toBe(false);
    const message = (parsed as { message: string }).message;
    expect(message).toContain(`with.form is not a valid JSON Schema: the pattern ${JSON.stringify(pattern)} is not supported`);
    expect(message).toContain(construct);
  });

  it('are listed with their JSON Pointer by schemaPatternProblems (for checks at registration)', () => {
    const form = { type: 'object', properties: { a: { pattern: '(a)\\1' }, b: { pattern: '^ok$' } }, patternProperties: { 'x(?=y)': {} } };
    expect(schemaPatternProblems(form, '/with/form').map((p) => p.path)).toEqual(['/with/form/properties/a/pattern', '/with/form/patternProperties/x(?=y)']);
    expect(schemaPatternProblems({ properties: { pattern: { type: 'string' } } })).toEqual([]);
  });
});
