import { describe, expect, it } from 'vitest';
import { isStorableText } from './storable.ts';

describe('isStorableText', () => {
  it('refuses NUL and unpaired surrogates', () => {
    for (const text of ['a\u0000b', '\uD800', 'x\uDC00', '\uDC00\uD800']) expect(isStorableText(text), JSON.stringify(text)).toBe(false);
  });

  it('accepts ordinary text and emoji (paired surrogates)', () => {
    for (const text of ['', 'héllo', '😀', 'a\tb\n']) expect(isStorableText(text)).toBe(true);
  });
});
