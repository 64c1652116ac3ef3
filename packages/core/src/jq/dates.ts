// Date builtins as jq 1.8.2 does them on top of C's struct tm. "Broken down time" is jq's
// array [year, month (0-11), mday, hours, minutes, seconds (may be fractional), wday, yday].
// An array becomes a struct tm field by field (missing fields are 0, so [2024] is 2024-01-00);
// fields are not normalized, except that wday and yday are recomputed from the date. strftime
// follows musl's (jq-wasm's libc) in the C locale. Everything is UTC: localtime/strflocaltime
// behave like gmtime/strftime (the workflow engine must not depend on the host's time zone).
import { JqRuntimeError } from './errors.ts';
import { defineFunction, type Table } from './builtins/define.ts';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/** struct tm: year since 1900, month 0-11, … (all C ints). */
interface Tm {
  year: number;
  mon: number;
  mday: number;
  hour: number;
  min: number;
  sec: number;
  wday: number;
  yday: number;
}

/** timegm: the seconds since the epoch of a (possibly out of range) tm; NaN beyond JavaScript's dates. */
function timegm(t: Tm): number {
  const d = new Date(0);
  d.setUTCFullYear(t.year + 1900, t.mon, t.mday);
  d.setUTCHours(t.hour, t.min, t.sec, 0);
  return d.getTime() / 1000;
}

function tmOf(d: Date): Tm {
  const yday = Math.round((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - yearStart(d.getUTCFullYear())) / 86_400_000);
  return { year: d.getUTCFullYear() - 1900, mon: d.getUTCMonth(), mday: d.getUTCDate(), hour: d.getUTCHours(), min: d.getUTCMinutes(), sec: d.getUTCSeconds(), wday: d.getUTCDay(), yday };
}

function yearStart(year: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, 0, 1);
  return d.getTime();
}

function toArray(t: Tm, fraction = 0): number[] {
  return [t.year + 1900, t.mon, t.mday, t.hour, t.min, t.sec + fraction, t.wday, t.yday];
}

/** gmtime: whole seconds truncated toward zero, the fraction added back to the seconds. */
function gmtime(v: unknown, name: string): number[] {
  if (typeof v !== 'number') throw new JqRuntimeError(`${name}() requires numeric inputs`);
  const d = new Date(Math.trunc(v) * 1000);
  if (Number.isNaN(d.getTime())) throw new JqRuntimeError('error converting number of seconds since epoch to datetime');
  return toArray(tmOf(d), v - Math.floor(v));
}

/** jq's jv2tm: undefined when an element is not a number. */
function toTm(v: unknown[]): Tm | undefined {
  const f = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 8 && i < v.length; i++) {
    const n = v[i];
    if (typeof n !== 'number' || Number.isNaN(n)) return undefined;
    const d = i === 0 ? n - 1900 : n;
    f[i] = d < INT_MIN ? INT_MIN : d > INT_MAX ? INT_MAX : Math.trunc(d);
  }
  const tm: Tm = { year: f[0]!, mon: f[1]!, mday: f[2]!, hour: f[3]!, min: f[4]!, sec: f[5]!, wday: f[6]!, yday: f[7]! };
  const t = timegm(tm);
  if (Number.isFinite(t)) {
    const normal = tmOf(new Date(t * 1000));
    tm.wday = normal.wday;
    tm.yday = normal.yday;
  }
  return tm;
}

function mktime(v: unknown): number {
  if (!Array.isArray(v)) throw new JqRuntimeError('mktime requires array inputs');
  const tm = toTm(v);
  if (!tm) throw new JqRuntimeError('mktime requires parsed datetime inputs');
  const t = timegm(tm);
  if (t === -1 || !Number.isFinite(t)) throw new JqRuntimeError('invalid gmtime representation');
  return t;
}

function isLeap(year: number): boolean {
  const y = year + 1900;
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

/** ISO 8601 week number (musl's week_num). */
function weekNumber(t: Tm): number {
  let val = Math.floor((t.yday + 7 - ((t.wday + 6) % 7)) / 7);
  if ((t.wday + 371 - t.yday - 2) % 7 <= 2) val++;
  if (!val) {
    val = 52;
    const dec31 = (t.wday + 7 - t.yday - 1) % 7;
    if (dec31 === 4 || (dec31 === 5 && isLeap((t.year % 400) - 1))) val++;
  } else if (val === 53) {
    const jan1 = (t.wday + 371 - t.yday) % 7;
    if (jan1 !== 4 && (jan1 !== 3 || !isLeap(t.year))) val = 1;
  }
  return val;
}

function weekYear(t: Tm): number {
  const year = t.year + 1900;
  if (t.yday < 3 && weekNumber(t) !== 1) return year - 1;
  if (t.yday > 360 && weekNumber(t) === 1) return year + 1;
  return year;
}

type Conversion = { text: string } | { number: number; width: number; pad?: string };

/** One conversion (musl's __strftime_fmt_1 in the C locale, plus glibc's %k %l %P); undefined if unknown. */
function convert(c: string, t: Tm): Conversion | undefined {
  const num = (n: number, width = 2, pad?: string): Conversion => ({ number: n, width, pad });
  const name = (list: string[], i: number, short: boolean): Conversion =>
    ({ text: i >= 0 && i < list.length ? (short ? list[i]!.slice(0, 3) : list[i]!) : '-' });
  const year = t.year + 1900;
  switch (c) {
    case 'a': return name(DAYS, t.wday, true);
    case 'A': return name(DAYS, t.wday, false);
    case 'b': case 'h': return name(MONTHS, t.mon, true);
    case 'B': return name(MONTHS, t.mon, false);
    case 'c': return { text: format('%a %b %e %H:%M:%S %Y', t) };
    case 'C': return num(Math.trunc(year / 100));
    case 'd': return num(t.mday);
    case 'e': return num(t.mday, 2, '_');
    case 'D': case 'x': return { text: format('%m/%d/%y', t) };
    case 'F': return { text: format('%Y-%m-%d', t) };
    case 'g': return num(weekYear(t) % 100);
    case 'G': return num(weekYear(t), 4);
    case 'H': return num(t.hour);
    case 'I': return num(t.hour === 0 ? 12 : t.hour > 12 ? t.hour - 12 : t.hour);
    case 'j': return num(t.yday + 1, 3);
    case 'k': return num(t.hour, 2, '_');
    case 'l': return num(t.hour === 0 ? 12 : t.hour > 12 ? t.hour - 12 : t.hour, 2, '_');
    case 'm': return num(t.mon + 1);
    case 'M': return num(t.min);
    case 'n': return { text: '\n' };
    case 'p': return { text: t.hour >= 12 ? 'PM' : 'AM' };
    case 'P': return { text: t.hour >= 12 ? 'pm' : 'am' };
    case 'r': return { text: format('%I:%M:%S %p', t) };
    case 'R': return { text: format('%H:%M', t) };
    case 's': return num(timegm(t), 1);
    case 'S': return num(t.sec);
    case 't': return { text: '\t' };
    case 'T': case 'X': return { text: format('%H:%M:%S', t) };
    case 'u': return num(t.wday || 7, 1);
    case 'U': return num(Math.floor((t.yday + 7 - t.wday) / 7));
    case 'W': return num(Math.floor((t.yday + 7 - ((t.wday + 6) % 7)) / 7));
    case 'V': return num(weekNumber(t));
    case 'w': return num(t.wday, 1);
    case 'y': return num(Math.abs(year % 100));
    case 'Y': return year >= 10000 ? { text: `+${year}` } : num(year, 4);
    case 'z': return { text: '+0000' };
    case 'Z': return { text: 'UTC' };
    case '%': return { text: '%' };
    default: return undefined;
  }
}

function padded(n: number, width: number, pad: string): string {
  if (pad === '-') return String(n);
  const digits = String(Math.abs(n));
  const fill = width - digits.length - (n < 0 ? 1 : 0);
  if (pad === '_') return `${' '.repeat(Math.max(0, fill))}${n < 0 ? '-' : ''}${digits}`;
  return `${n < 0 ? '-' : ''}${'0'.repeat(Math.max(0, fill))}${digits}`;
}

/** C strftime (musl's __strftime_l: flags - _ 0 +, a width for %C %F %G %Y, E/O modifiers). */
function format(fmt: string, t: Tm): string {
  let out = '';
  for (let i = 0; i < fmt.length; i++) {
    if (fmt[i] !== '%') {
      out += fmt[i];
      continue;
    }
    const spec = /^([-_0]?)(\+?)(\d*)[EO]?(.?)/.exec(fmt.slice(i + 1))!;
    const [all, pad, plus, digits, c] = spec as unknown as [string, string, string, string, string];
    i += all.length;
    const conv = c ? convert(c, t) : undefined;
    if (!conv) throw new UnknownConversion();
    let text = 'text' in conv ? conv.text : padded(conv.number, conv.width, pad || conv.pad || '0');
    let width = 'CFGY'.includes(c) ? Number(digits || 0) || (digits ? 1 : 0) : 0;
    if (width) {
      let body = text.replace(/^[+-]/, '');
      body = body.replace(/^0+(?=\d)/, '');
      const k = body.length;
      if (width < k) width = k;
      const d = /^\d*/.exec(body)![0].length;
      let sign = '';
      if (t.year < -1900) {
        sign = '-';
        width--;
      } else if (plus && d + (width - k) >= (c === 'C' ? 3 : 5)) {
        sign = '+';
        width--;
      }
      text = sign + '0'.repeat(Math.max(0, width - k)) + body;
    }
    out += text;
  }
  return out;
}

class UnknownConversion extends Error {}

function strftime(v: unknown, fmt: unknown, name: string): string {
  const input = typeof v === 'number' ? gmtime(v, name === 'strftime/1' ? 'gmtime' : 'localtime') : v;
  if (!Array.isArray(input)) throw new JqRuntimeError(`${name} requires parsed datetime inputs`);
  if (typeof fmt !== 'string') throw new JqRuntimeError(`${name} requires a string format`);
  let tm = toTm(input);
  if (!tm) throw new JqRuntimeError(`${name} requires parsed datetime inputs`);
  // strflocaltime goes through mktime, which normalizes every field (2024-01-00 is 2023-12-31).
  const seconds = name === 'strflocaltime/1' ? timegm(tm) : NaN;
  if (Number.isFinite(seconds)) tm = tmOf(new Date(seconds * 1000));
  try {
    const text = format(fmt, tm);
    // jq gives C's strftime a buffer of the format's length + 100 bytes.
    if (Buffer.byteLength(text) >= Buffer.byteLength(fmt) + 100 || (text === '' && fmt !== '')) throw new UnknownConversion();
    return text;
  } catch (e) {
    if (e instanceof UnknownConversion) throw new JqRuntimeError(`${name}: unknown system failure`);
    throw e;
  }
}

const PARSERS: Record<string, string> = {
  Y: '(\\d{1,4})', m: '(\\d{1,2})', d: '(\\d{1,2})', e: '\\s*(\\d{1,2})', H: '(\\d{1,2})', M: '(\\d{1,2})', S: '(\\d{1,2})',
  j: '(\\d{1,3})', y: '(\\d{1,2})', Z: '([A-Za-z]+)', z: '([+-]\\d{2}:?\\d{2}|Z)', a: '([A-Za-z]+)', A: '([A-Za-z]+)',
  b: '([A-Za-z]+)', B: '([A-Za-z]+)', h: '([A-Za-z]+)', p: '([AaPp][Mm])', s: '(\\d+)', '%': '%',
};

function strptime(v: unknown, fmt: unknown): unknown[] {
  if (typeof v !== 'string' || typeof fmt !== 'string') throw new JqRuntimeError('strptime/1 requires string inputs and arguments');
  const expanded = fmt.replace(/%T/g, '%H:%M:%S').replace(/%F/g, '%Y-%m-%d').replace(/%D/g, '%m/%d/%y').replace(/%R/g, '%H:%M');
  const fields: string[] = [];
  let source = '';
  for (let i = 0; i < expanded.length; i++) {
    const c = expanded[i]!;
    if (c === '%' && i + 1 < expanded.length) {
      const f = expanded[++i]!;
      const re = PARSERS[f];
      if (!re) throw new JqRuntimeError(`strptime/1: unsupported conversion %${f}`);
      if (f !== '%') fields.push(f);
      source += re;
    } else if (/\s/.test(c)) {
      source += '\\s*';
    } else {
      source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  // jq accepts trailing whitespace, and returns it as a ninth element.
  let m: RegExpExecArray | null;
  try {
    m = new RegExp(`^${source}(\\s*)$`).exec(v);
  } catch (error) {
    // V8 refuses a pattern past its size limit (found by the fuzzer: a format of 50,000 literal
    // characters, refused when matched): the program's error, as a jq error, not the engine's.
    if (error instanceof SyntaxError) throw new JqRuntimeError(`strptime/1: the format (${fmt.length.toLocaleString('en-US')} characters) is too long to match`);
    throw error;
  }
  if (!m) throw new JqRuntimeError(`date "${v}" does not match format "${fmt}"`);
  let [Y, mo, d, H, Mi, S] = [1900, 0, 1, 0, 0, 0];
  let pm: boolean | undefined;
  fields.forEach((f, i) => {
    const text = m[i + 1]!;
    const n = Number(text);
    switch (f) {
      case 'Y': Y = n; break;
      case 'y': Y = n < 69 ? 2000 + n : 1900 + n; break;
      case 'm': mo = n - 1; break;
      case 'd': case 'e': d = n; break;
      case 'H': H = n; break;
      case 'M': Mi = n; break;
      case 'S': S = n; break;
      case 'b': case 'B': case 'h': mo = MONTHS.findIndex((x) => x.slice(0, 3).toLowerCase() === text.slice(0, 3).toLowerCase()); break;
      case 'p': pm = text.toLowerCase() === 'pm'; break;
      case 's': [Y, mo, d, H, Mi, S] = gmtime(n, 'gmtime') as [number, number, number, number, number, number]; break;
      case 'j': break;
    }
  });
  if (pm !== undefined) H = (H % 12) + (pm ? 12 : 0);
  if (mo < 0 || mo > 11 || d < 1 || d > 31 || H > 23 || Mi > 59 || S > 61) throw new JqRuntimeError(`date "${v}" does not match format "${fmt}"`);
  const parsed: unknown[] = gmtime(Date.UTC(Y, mo, d, H, Mi, S) / 1000, 'gmtime');
  const rest = m[fields.length + 1]!;
  if (rest !== '') parsed.push(rest);
  return parsed;
}

export function registerDates(t: Table): void {
  defineFunction(t, 'gmtime', 0, (v) => gmtime(v, 'gmtime'));
  defineFunction(t, 'localtime', 0, (v) => gmtime(v, 'localtime'));
  defineFunction(t, 'mktime', 0, mktime);
  defineFunction(t, 'strftime', 1, (v, fmt) => strftime(v, fmt, 'strftime/1'));
  defineFunction(t, 'strflocaltime', 1, (v, fmt) => strftime(v, fmt, 'strflocaltime/1'));
  defineFunction(t, 'strptime', 1, strptime);
  defineFunction(t, 'todate', 0, (v) => strftime(v, '%Y-%m-%dT%H:%M:%SZ', 'strftime/1'));
  defineFunction(t, 'todateiso8601', 0, (v) => strftime(v, '%Y-%m-%dT%H:%M:%SZ', 'strftime/1'));
  defineFunction(t, 'fromdateiso8601', 0, (v) => mktime(strptime(v, '%Y-%m-%dT%H:%M:%SZ')));
  defineFunction(t, 'fromdate', 0, (v) => mktime(strptime(v, '%Y-%m-%dT%H:%M:%SZ')));
}
