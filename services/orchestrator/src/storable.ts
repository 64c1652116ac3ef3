// PostgreSQL text columns cannot hold U+0000, and unpaired UTF-16 surrogates are not valid text
// either. Strings that end up in text columns (names, versions, idempotency keys, filters) are
// checked at the edge so such input is a 400, not a database error (500). JSON values (run input,
// documents) are jsonb and the store keeps them as they are.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const UNSTORABLE_TEXT_MESSAGE = 'must not contain U+0000 or unpaired surrogates';

export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}
