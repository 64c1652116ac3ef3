import { describe, expect, it } from 'vitest';
import { prefersYaml } from './workflows.ts';

describe('prefersYaml', () => {
  it.each([
    [undefined, false],
    ['application/json', false],
    ['*/*', false],
    ['application/yaml', true],
    ['text/yaml', true],
    ['application/x-yaml; charset=utf-8', true],
    ['application/json, application/yaml;q=0.5', false],
    ['application/json;q=0.4, application/yaml', true],
    ['application/yaml;q=0, application/json', false],
    ['application/yaml, application/json', false],
  ])('%s → %s', (accept, expected) => {
    expect(prefersYaml(accept)).toBe(expected);
  });
});
