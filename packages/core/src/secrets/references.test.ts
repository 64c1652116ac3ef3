import { describe, expect, it } from 'vitest';
import { secretUse } from './references.ts';

describe('secretUse', () => {
  it('finds secrets named literally, in every spelling', () => {
    expect(secretUse('$secrets.DEMO')).toEqual({ names: ['DEMO'], dynamic: false });
    expect(secretUse('"Bearer " + $secrets["api-token"]')).toEqual({ names: ['api-token'], dynamic: false });
    expect(secretUse('$secrets."db".password + ":" + $secrets.other?')).toEqual({ names: ['db', 'other'], dynamic: false });
    expect(secretUse('"x-\\($secrets.DEMO)"')).toEqual({ names: ['DEMO'], dynamic: false });
  });

  it('flags any other use of $secrets as dynamic', () => {
    expect(secretUse('$secrets[.name]')?.dynamic).toBe(true);
    expect(secretUse('$secrets | keys')?.dynamic).toBe(true);
    expect(secretUse('$secrets')?.dynamic).toBe(true);
    expect(secretUse('$secrets.a as $x | $secrets | .[$x]')).toEqual({ names: ['a'], dynamic: true });
  });

  it('ignores expressions without $secrets, including the word inside a string literal', () => {
    expect(secretUse('.a + 1')).toBeUndefined();
    expect(secretUse('"see $secrets.DEMO in the docs"')).toBeUndefined();
    expect(secretUse('$secretsX')).toBeUndefined();
  });
});
