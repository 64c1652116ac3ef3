import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { zodProblems } from './problems.ts';

describe('zodProblems', () => {
  it('names the allowed values of an enum or a literal', () => {
    const schema = z.object({ role: z.enum(['admin', 'user']), specversion: z.literal('1.0'), name: z.string() });
    const result = schema.safeParse({ role: 'root', specversion: '0.3', name: 1 });
    expect(result.success).toBe(false);
    expect(zodProblems(result.error!, 'body')).toEqual([
      { path: '/body/role', message: 'must be one of "admin", "user"', code: 'invalid_value' },
      { path: '/body/specversion', message: 'must be "1.0"', code: 'invalid_value' },
      { path: '/body/name', message: 'Invalid input: expected string, received number', code: 'invalid_type' },
    ]);
  });
});
