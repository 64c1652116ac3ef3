import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LIMITS } from '@baton/core/interpreter';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from './env.ts';
import { loadLimits, parseLimits } from './limits.ts';

const dir = mkdtempSync(join(tmpdir(), 'baton-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadLimits', () => {
  it('gives the defaults when BATON_LIMITS is not set', () => {
    const limits = loadLimits({});
    expect(limits.defaults).toEqual(DEFAULT_LIMITS);
    expect(limits.limitsFor('any')).toEqual(DEFAULT_LIMITS);
  });

  it('overrides the defaults globally, then per namespace, member by member (JSON)', () => {
    const limits = loadLimits({ BATON_LIMITS: '{"default": {"eventsPerRun": 20000, "valueBytes": "2 MiB"}, "namespaces": {"team-a": {"eventsPerRun": 100000, "forkBranches": 8}}}' });
    expect(limits.defaults).toEqual({ ...DEFAULT_LIMITS, eventsPerRun: 20_000, valueBytes: 2 * 2 ** 20 });
    expect(limits.limitsFor('team-a')).toEqual({ ...DEFAULT_LIMITS, eventsPerRun: 100_000, valueBytes: 2 * 2 ** 20, forkBranches: 8 });
    expect(limits.limitsFor('team-b')).toBe(limits.defaults);
  });

  it('reads YAML, and BATON_LIMITS_FILE when BATON_LIMITS is not set', () => {
    const file = join(dir, 'limits.yaml');
    writeFileSync(file, 'default:\n  stateBytes: 32 MiB\nnamespaces:\n  batch:\n    forIterations: 100000\n    valueBytes: 512 KB\n');
    const limits = loadLimits({ BATON_LIMITS_FILE: file });
    expect(limits.limitsFor('batch')).toMatchObject({ stateBytes: 32 * 2 ** 20, forIterations: 100_000, valueBytes: 512_000 });
    expect(loadLimits({ BATON_LIMITS: 'default: { forkBranches: 3 }', BATON_LIMITS_FILE: file }).defaults.forkBranches).toBe(3);
    expect(() => loadLimits({ BATON_LIMITS_FILE: join(dir, 'missing.yaml') })).toThrow(/BATON_LIMITS_FILE points to .*missing\.yaml', which cannot be read/);
  });

  it('names the smallest valueBytes of any namespace (a value within it is within every limit)', () => {
    expect(loadLimits({}).valueBytesFloor).toBe(DEFAULT_LIMITS.valueBytes);
    expect(parseLimits('{"default": {"valueBytes": "2 MiB"}, "namespaces": {"a": {"valueBytes": "1 KiB"}, "b": {"eventsPerRun": 10}}}').valueBytesFloor).toBe(1024);
    expect(parseLimits('{"default": {"valueBytes": "2 KiB"}, "namespaces": {"a": {"valueBytes": "1 MiB"}}}').valueBytesFloor).toBe(2048);
  });

  it('an empty text is no override', () => {
    expect(parseLimits('  \n').defaults).toEqual(DEFAULT_LIMITS);
  });
});

describe('parseLimits: every mistake is a ConfigError that says where and what', () => {
  const cases: Array<[string, RegExp]> = [
    ['{"default": {"valueByte": 3}}', /^BATON_LIMITS: default: unknown limit 'valueByte' \(limits: subflowDepth, .*forkBranches, expressionMs, decisionMs\)$/],
    ['{"namespaces": {"a": {"eventsPerRun": -1}}}', /namespaces\.a\.eventsPerRun must be 0 or more/],
    ['{"namespaces": {"a": {"stepsPerRun": 1.5}}}', /namespaces\.a\.stepsPerRun must be a whole number/],
    ['{"default": {"stepsPerDecision": 0}}', /default\.stepsPerDecision must be 1 or more/],
    ['{"default": {"valueDepth": 5000}}', /default\.valueDepth must be 1,000 or less \(deeper values could not be saved\)/],
    ['{"default": {"valueDepth": 0}}', /default\.valueDepth must be 1 or more/],
    ['{"default": {"eventsPerRun": "10"}}', /default\.eventsPerRun must be a whole number/],
    ['{"default": {"valueBytes": "lots"}}', /default\.valueBytes must be a number of bytes or a size such as "2 MiB" or "512 KB", not "lots"/],
    ['default: { valueBytes: 1e400 }', /default\.valueBytes must be a whole number of bytes or a size/],
    ['{"defaults": {}}', /unknown member 'defaults': the value must be \{"default"/],
    ['default: 3', /default must be a map \(limit → value\)/],
    ['namespaces: [1]', /namespaces must be a map \(namespace → limits\)/],
    ['"x"', /^BATON_LIMITS: must be \{"default"/],
    ['{"default": {', /^BATON_LIMITS is neither JSON nor YAML/],
  ];
  for (const [text, message] of cases) {
    it(text, () => {
      expect(() => parseLimits(text)).toThrow(ConfigError);
      expect(() => parseLimits(text)).toThrow(message);
    });
  }

  it('names the file a bad value came from', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{"default": {"forkBranches": -2}}');
    expect(() => loadLimits({ BATON_LIMITS_FILE: file })).toThrow(new RegExp(`^BATON_LIMITS_FILE '${file}': default\\.forkBranches must be 0 or more$`));
  });
});
