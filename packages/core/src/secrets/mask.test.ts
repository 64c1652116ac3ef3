import { describe, expect, it } from 'vitest';
import { combineMaskers, createSecretMasker, maskVariants, MIN_MASKED_LENGTH, SECRET_MASK, secretStrings, unmaskableSecrets } from './mask.ts';

const DEMO = 'demo-secret-value-42';

describe('createSecretMasker', () => {
  const masker = createSecretMasker({ DEMO, db: { username: 'svc', password: 'p@ss word/é' }, short: 'a', list: ['first-token', 7] });

  it('masks a string secret wherever it appears in a text', () => {
    expect(masker.text(`token=${DEMO}; again ${DEMO}`)).toBe(`token=${SECRET_MASK}; again ${SECRET_MASK}`);
  });

  it('masks string leaves of object and array secrets, not numbers, and never short values', () => {
    expect(masker.text('user svc said p@ss word/é and first-token')).toBe(`user svc said ${SECRET_MASK} and ${SECRET_MASK}`);
    expect(masker.text('a banana and 7 apples')).toBe('a banana and 7 apples');
  });

  it('masks the common encodings: URL, form, JSON escaping, base64 of the value and basic auth', () => {
    const password = 'p@ss word/é';
    expect(masker.text(`?q=${encodeURIComponent(password)}`)).toBe(`?q=${SECRET_MASK}`);
    expect(masker.text(`q=${new URLSearchParams({ v: password }).toString().slice(2)}`)).toBe(`q=${SECRET_MASK}`);
    expect(masker.text(`Basic ${Buffer.from(`svc:${password}`).toString('base64')}`)).toBe(`Basic ${SECRET_MASK}`);
    expect(masker.text(Buffer.from(DEMO).toString('base64'))).toBe(SECRET_MASK);
    expect(masker.text(Buffer.from(DEMO).toString('base64url').replace(/=+$/, ''))).toBe(SECRET_MASK);
    const quoted = createSecretMasker(['say "hi" \\ bye']);
    expect(quoted.text(JSON.stringify({ echoed: 'say "hi" \\ bye' }))).toBe(`{"echoed":"${SECRET_MASK}"}`);
  });

  it('masks a secret that contains another one whole', () => {
    const nested = createSecretMasker(['abcdef', 'xxabcdefyy']);
    expect(nested.text('xxabcdefyy abcdef')).toBe(`${SECRET_MASK} ${SECRET_MASK}`);
  });

  it('masks every string and key of a value, copying only what changed', () => {
    const untouched = { a: [1, { b: 'plain' }], c: null };
    const value = { keep: untouched, leak: { [DEMO]: [`x ${DEMO}`, true] }, top: DEMO };
    const masked = masker.value(value);
    expect(masked).toEqual({ keep: untouched, leak: { [SECRET_MASK]: [`x ${SECRET_MASK}`, true] }, top: SECRET_MASK });
    expect(masked.keep).toBe(untouched);
    expect(value.top).toBe(DEMO);
    expect(masker.value(untouched)).toBe(untouched);
    expect(masker.value(DEMO)).toBe(SECRET_MASK);
    expect(masker.value(42)).toBe(42);
  });

  it('walks values nested deeper than the stack', () => {
    let deep: unknown = DEMO;
    for (let i = 0; i < 100_000; i += 1) deep = [deep];
    let masked = masker.value(deep);
    for (let i = 0; i < 100_000; i += 1) masked = (masked as unknown[])[0];
    expect(masked).toBe(SECRET_MASK);
  });

  it('is a no-op without secrets long enough', () => {
    const none = createSecretMasker({ a: 'x', b: 12345678 });
    expect(none.empty).toBe(true);
    const value = { text: 'x marks 12345678' };
    expect(none.value(value)).toBe(value);
  });

  it('combines maskers (a worker secrets plus one call credentials)', () => {
    const combined = combineMaskers(masker, createSecretMasker([], ['literal-password']));
    expect(combined.text(`${DEMO} literal-password`)).toBe(`${SECRET_MASK} ${SECRET_MASK}`);
  });
});

describe('secret strings and variants', () => {
  it('collects string leaves and user:password pairs', () => {
    expect(secretStrings({ username: 'u', password: 'p', nested: ['x', { y: 'z' }], n: 1 }).sort()).toEqual(['p', 'u', 'u:p', 'x', 'z'].sort());
  });

  it('drops variants shorter than the minimum', () => {
    expect(maskVariants('a'.repeat(MIN_MASKED_LENGTH - 1))).toEqual([]);
    expect(maskVariants('abcdef')).toContain('abcdef');
  });

  it('names secrets with parts too short to be masked', () => {
    expect(unmaskableSecrets({ ok: 'long-enough', pin: '1234', empty: '', login: { username: 'bob', password: 'long-enough-too' } })).toEqual(['pin', 'login']);
  });
});
