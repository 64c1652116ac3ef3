import { describe, expect, it } from 'vitest';
import { decodeSegment, parseTarget } from './request-target.ts';

describe('parseTarget', () => {
  it('keeps the path as sent and reads the query', () => {
    const target = parseTarget('/v1/stream?token=bst1.a%2Bb&after=3');
    expect(target?.path).toBe('/v1/stream');
    expect(target?.query.get('token')).toBe('bst1.a+b');
    expect(target?.query.get('after')).toBe('3');
  });

  it('never throws on what a client can type: "//" (new URL threw on it) is a path like any other', () => {
    expect(parseTarget('//')).toMatchObject({ path: '//' });
    expect(parseTarget('//x/y?z')).toMatchObject({ path: '//x/y' });
    expect(parseTarget('/%ZZ?%ZZ=%00')?.query.get('%ZZ')).toBe('\u0000');
  });

  it('reads the absolute form, and refuses what is not a path', () => {
    expect(parseTarget('http://fanout.example/v1/stream?token=t')).toMatchObject({ path: '/v1/stream' });
    for (const raw of [undefined, '', '*', 'v1/stream', 'http://[bad/x', 'ftp://x/v1/stream']) expect(parseTarget(raw), String(raw)).toBeUndefined();
  });
});

describe('decodeSegment', () => {
  it('decodes, or says the encoding is malformed', () => {
    expect(decodeSegment('a%2Fb')).toBe('a/b');
    expect(decodeSegment('%00')).toBe('\u0000');
    expect(decodeSegment('%ZZ')).toBeUndefined();
    expect(decodeSegment('%C3')).toBeUndefined();
  });
});
