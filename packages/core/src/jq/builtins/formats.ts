// The @format string formatters (@text @json @html @uri @csv @tsv @sh @base64 @base64d
// @base32 @base32d).
import { build } from '../budget.ts';
import { JqRuntimeError } from '../errors.ts';
import { describe, toJson, typeOf } from '../values.ts';

export function toText(v: unknown): string {
  return typeof v === 'string' ? v : toJson(v);
}

const HTML: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' };

function eachScalar(v: unknown, name: string, fn: (x: unknown) => string): string[] {
  if (!Array.isArray(v)) throw new JqRuntimeError(`${describe(v)} cannot be ${name}-formatted, only array`);
  return v.map((x) => {
    if (x !== null && typeof x === 'object') throw new JqRuntimeError(`${describe(x)} is not valid in a csv row`);
    return fn(x);
  });
}

function scalarText(x: unknown): string {
  if (x === null) return '';
  return typeof x === 'string' ? x : toJson(x);
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  while (out.length % 8) out += '=';
  return out;
}

function base32Decode(s: string): string {
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const c of s.replace(/=+$/, '')) {
    const i = BASE32.indexOf(c);
    if (i < 0) continue;
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return decodeUtf8(bytes);
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** jq 1.8.2's decoder: stops at the first '=', refuses other characters and a lone last one. */
function base64Decode(s: string): string {
  const bytes: number[] = [];
  let code = 0;
  let count = 0;
  for (const c of s) {
    if (c === '=') break;
    const i = BASE64.indexOf(c);
    if (i < 0) throw new JqRuntimeError(`${describe(s)} is not valid base64 data`);
    code = (code << 6) | i;
    if (++count === 4) {
      bytes.push((code >> 16) & 0xff, (code >> 8) & 0xff, code & 0xff);
      code = 0;
      count = 0;
    }
  }
  if (count === 3) bytes.push((code >> 10) & 0xff, (code >> 2) & 0xff);
  else if (count === 2) bytes.push((code >> 4) & 0xff);
  else if (count === 1) throw new JqRuntimeError(`${describe(s)} trailing base64 byte found`);
  return decodeUtf8(bytes);
}

/** Bytes as a jq string: each invalid UTF-8 sequence (as jq's jvp_utf8_next cuts it) becomes U+FFFD. */
export function decodeUtf8(bytes: number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length;) {
    const first = bytes[i]!;
    let length = first < 0x80 ? 1 : first < 0xc2 ? 0 : first < 0xe0 ? 2 : first < 0xf0 ? 3 : first < 0xf5 ? 4 : 0;
    let cp = -1;
    if (length === 1) cp = first;
    else if (length === 0) length = 1;
    else if (i + length > bytes.length) length = bytes.length - i;
    else {
      cp = first & (0xff >> (length + 1));
      for (let k = 1; k < length; k++) {
        const b = bytes[i + k]!;
        if ((b & 0xc0) !== 0x80) {
          cp = -1;
          length = k;
          break;
        }
        cp = (cp << 6) | (b & 0x3f);
      }
      const min = [0, 0, 0x80, 0x800, 0x10000][length]!;
      if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) cp = -1;
    }
    out += cp < 0 ? '\ufffd' : String.fromCodePoint(cp);
    i += length;
  }
  return out;
}

const uriUnreserved = /[A-Za-z0-9\-_.~]/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `@urid`: %XX escapes decoded, which must make valid UTF-8 (jq 1.8). */
function uriDecode(s: string): string {
  if (!s.includes('%')) return s;
  const bytes: number[] = [];
  const invalid = (): JqRuntimeError => new JqRuntimeError(`${describe(s)} is not a valid uri encoding`);
  for (const b of Buffer.from(s, 'utf8')) bytes.push(b);
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0x25) {
      out.push(bytes[i]!);
      continue;
    }
    const hex = String.fromCharCode(bytes[i + 1] ?? 0, bytes[i + 2] ?? 0);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw invalid();
    out.push(parseInt(hex, 16));
    i += 2;
  }
  try {
    return utf8.decode(Uint8Array.from(out));
  } catch {
    throw invalid();
  }
}

/** `@name`: the text of `v` in that format, held to the value size limit. */
export function formatValue(name: string, v: unknown): string {
  const text = format(name, v);
  if (name !== 'text' && name !== 'json') build(text.length, 'a string');
  return text;
}

function format(name: string, v: unknown): string {
  switch (name) {
    case 'text': return toText(v);
    case 'json': return toJson(v);
    case 'html': return toText(v).replace(/[<>&'"]/g, (c) => HTML[c]!);
    case 'uri': {
      let out = '';
      for (const byte of Buffer.from(toText(v), 'utf8')) {
        const c = String.fromCharCode(byte);
        out += uriUnreserved.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
      }
      return out;
    }
    case 'urid': return uriDecode(toText(v));
    case 'csv':
      return eachScalar(v, 'csv', (x) => (typeof x === 'string' ? `"${x.replace(/"/g, '""')}"` : scalarText(x))).join(',');
    case 'tsv':
      return eachScalar(v, 'tsv', (x) =>
        scalarText(x).replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!)).join('\t');
    case 'sh': {
      const quote = (x: unknown): string => {
        if (x !== null && typeof x === 'object') throw new JqRuntimeError(`${describe(x)} can not be escaped for shell`);
        return typeof x === 'string' ? `'${x.replace(/'/g, "'\\''")}'` : toJson(x);
      };
      return Array.isArray(v) ? v.map(quote).join(' ') : quote(v);
    }
    case 'base64': return Buffer.from(toText(v), 'utf8').toString('base64');
    case 'base64d': return base64Decode(toText(v));
    case 'base32': return base32(Buffer.from(toText(v), 'utf8'));
    case 'base32d': return base32Decode(toText(v));
    default:
      throw new JqRuntimeError(`${name} is not a valid format`);
  }
}

export { typeOf };
