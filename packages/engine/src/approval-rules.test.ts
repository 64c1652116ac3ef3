import { expect, it } from 'vitest';
import { checkFormData, parseApprovalSpec } from './approval-rules.ts';

it('a form value outside an enum names the allowed values and what was sent', () => {
  const parsed = parseApprovalSpec({ approvers: ['alice'], form: { type: 'object', properties: { region: { type: 'string', enum: ['eu', 'us'] } } } }, 'review');
  if (!parsed.ok) throw new Error(parsed.message);
  expect(checkFormData(parsed.spec, { region: 'asia' })).toEqual([{ path: '/data/region', message: 'must be one of "eu", "us" (got "asia")' }]);
});
