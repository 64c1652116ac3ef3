import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash } from './content-hash.ts';

describe('canonicalJson / contentHash', () => {
  it('sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('drops undefined members like JSON does, and escapes keys', () => {
    expect(canonicalJson({ a: undefined, 'q"k': 'v', n: [undefined] })).toBe('{"n":[null],"q\\"k":"v"}');
  });

  it('gives the same hash for the same document in any key order, another for other content', () => {
    const one = contentHash({ document: { name: 'x', version: '1' }, do: [] });
    expect(one).toBe(contentHash({ do: [], document: { version: '1', name: 'x' } }));
    expect(one).not.toBe(contentHash({ do: [], document: { version: '2', name: 'x' } }));
    expect(one).toBe(createHash('sha256').update('{"do":[],"document":{"name":"x","version":"1"}}').digest('hex'));
  });
});
