import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '@baton/testkit/scratch';
import { describe, expect, it } from 'vitest';
import { DEFAULT_URL, UsageError, connectionFrom, expectPositionals, parseCommandArgs, positiveInt, savedApiKeyFile } from './args.ts';

describe('connectionFrom', () => {
  it('prefers flags, then the environment, then defaults', () => {
    expect(connectionFrom({}, {}, scratchDir('baton-nowhere-'))).toEqual({ url: DEFAULT_URL, apiKey: undefined, output: 'human' });
    expect(connectionFrom({}, { BATON_URL: 'http://h:1', BATON_API_KEY: 'env-key' })).toEqual({ url: 'http://h:1', apiKey: 'env-key', output: 'human' });
    expect(connectionFrom({ url: 'http://f:2', 'api-key': 'flag-key', output: 'json' }, { BATON_URL: 'http://h:1', BATON_API_KEY: 'env-key' })).toEqual({
      url: 'http://f:2',
      apiKey: 'flag-key',
      output: 'json',
    });
  });

  it('rejects a bad output format or URL as a usage error', () => {
    expect(() => connectionFrom({ output: 'yaml' }, {})).toThrow(UsageError);
    expect(() => connectionFrom({ url: 'localhost:8081' }, {})).toThrow(/not an http\(s\) URL/);
  });

  it('uses the key `baton start` saved, only for a server on this machine', () => {
    const dir = scratchDir('baton-cli-');
    writeFileSync(join(dir, 'api-key'), 'saved-key\n');
    expect(connectionFrom({}, { BATON_DATA_DIR: dir }).apiKey).toBe('saved-key');
    expect(connectionFrom({ url: 'http://127.0.0.1:9' }, { BATON_DATA_DIR: dir }).apiKey).toBe('saved-key');
    expect(connectionFrom({ url: 'https://baton.example.com' }, { BATON_DATA_DIR: dir }).apiKey).toBeUndefined();
  });

  it('finds the saved key from a subfolder, as git finds .git; BATON_DATA_DIR is relative to the working folder', () => {
    const checkout = scratchDir('baton-checkout-');
    mkdirSync(join(checkout, 'data'));
    writeFileSync(join(checkout, 'data', 'api-key'), 'saved-key\n');
    const deep = join(checkout, 'examples', 'more');
    mkdirSync(deep, { recursive: true });
    expect(connectionFrom({}, {}, deep).apiKey).toBe('saved-key');
    expect(savedApiKeyFile({}, deep)).toBe(join(checkout, 'data', 'api-key'));
    expect(savedApiKeyFile({ BATON_DATA_DIR: 'elsewhere' }, deep)).toBe(join(deep, 'elsewhere', 'api-key'));
  });
});

describe('parsing helpers', () => {
  it('turns parseArgs errors into usage errors', () => {
    expect(() => parseCommandArgs(['--nope'], {})).toThrow(UsageError);
    expect(parseCommandArgs(['x', '-o', 'json'], {}).values.output).toBe('json');
  });

  it('checks integers and positionals', () => {
    expect(positiveInt('5', '--limit')).toBe(5);
    expect(positiveInt(undefined, '--limit')).toBeUndefined();
    expect(positiveInt('0', '--after', 0)).toBe(0);
    expect(() => positiveInt('0', '--limit')).toThrow(/--limit must be an integer ≥ 1/);
    expect(() => positiveInt('1.5', '--limit')).toThrow(UsageError);
    expect(() => expectPositionals([], ['ID'])).toThrow('missing ID');
    expect(() => expectPositionals(['a', 'b'], ['ID'])).toThrow('unexpected argument "b"');
  });
});
