// Date builtins. "Broken down time" is jq's array [year, month(0-11), mday, hours, minutes,
// seconds (may be fractional), wday, yday]. Everything is UTC: localtime/strflocaltime behave
// like gmtime/strftime (the workflow engine must not depend on the host's time zone).
import { JqRuntimeError } from './errors.ts';
import { describe } from './values.ts';
import { defineFunction, type Table } from './builtins/define.ts';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function gmtime(v: unknown): number[] {
  if (typeof v !== 'number') throw new JqRuntimeError('gmtime() requires a number');
  const seconds = Math.floor(v);
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) throw new JqRuntimeError('gmtime() requires a valid time');
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  const yday = Math.floor((d.getTime() - start) / 86_400_000);
  return [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds() + (v - seconds), d.getUTCDay(), yday];
}

function brokenDown(v: unknown, fn: string): number[] {
  if (!Array.isArray(v) || v.length < 6 || v.slice(0, 6).some((x) => typeof x !== 'number')) {
    throw new JqRuntimeError(`${fn} requires array of 6 numbers`);
  }
  return v as number[];
}

function mktime(v: unknown): number {
  if (!Array.isArray(v)) throw new JqRuntimeError('mktime requires array of 6 numbers');
  const t = brokenDown(v, 'mktime');
  return Math.floor(Date.UTC(t[0]!, t[1]!, t[2]!, t[3]!, t[4]!, Math.floor(t[5]!)) / 1000);
}

const pad = (n: number, w = 2, c = '0'): string => String(Math.trunc(n)).padStart(w, c);

function isoWeek(t: number[]): { year: number; week: number } {
  const date = new Date(Date.UTC(t[0]!, t[1]!, t[2]!));
  const day = (date.getUTCDay() + 6) % 7;
  date.setUTCDate(date.getUTCDate() - day + 3);
  const year = date.getUTCFullYear();
  const firstThursday = new Date(Date.UTC(year, 0, 4));
  const week = 1 + Math.round(((date.getTime() - firstThursday.getTime()) / 86_400_000 - 3 + ((firstThursday.getUTCDay() + 6) % 7)) / 7);
  return { year, week };
}

function strftime(v: unknown, fmt: unknown): string {
  if (typeof fmt !== 'string') throw new JqRuntimeError('strftime/1 requires a string format');
  const t = typeof v === 'number' ? gmtime(v) : Array.isArray(v) ? brokenDown(v, 'strftime/1') : null;
  if (!t) throw new JqRuntimeError('strftime/1 requires parsed datetime inputs');
  const [Y, m, d, H, M, S] = t as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(Y, m, d, H, M, Math.floor(S)));
  const wday = date.getUTCDay();
  const yday = Math.floor((date.getTime() - Date.UTC(Y, 0, 1)) / 86_400_000);
  const conv: Record<string, () => string> = {
    Y: () => String(Y), C: () => pad(Math.floor(Y / 100)), y: () => pad(Y % 100), m: () => pad(m + 1), d: () => pad(d),
    e: () => pad(d, 2, ' '), H: () => pad(H), I: () => pad(H % 12 || 12), M: () => pad(M), S: () => pad(Math.floor(S)),
    j: () => pad(yday + 1, 3), Z: () => 'UTC', z: () => '+0000', a: () => DAYS[wday]!.slice(0, 3), A: () => DAYS[wday]!,
    b: () => MONTHS[m]!.slice(0, 3), h: () => MONTHS[m]!.slice(0, 3), B: () => MONTHS[m]!, p: () => (H < 12 ? 'AM' : 'PM'),
    c: () => `${DAYS[wday]!.slice(0, 3)} ${MONTHS[m]!.slice(0, 3)} ${pad(d, 2, ' ')} ${pad(H)}:${pad(M)}:${pad(Math.floor(S))} ${Y}`,
    D: () => `${pad(m + 1)}/${pad(d)}/${pad(Y % 100)}`, F: () => `${Y}-${pad(m + 1)}-${pad(d)}`, T: () => `${pad(H)}:${pad(M)}:${pad(Math.floor(S))}`,
    R: () => `${pad(H)}:${pad(M)}`, r: () => `${pad(H % 12 || 12)}:${pad(M)}:${pad(Math.floor(S))} ${H < 12 ? 'AM' : 'PM'}`,
    s: () => String(Math.floor(date.getTime() / 1000)), u: () => String(wday || 7), w: () => String(wday),
    k: () => pad(H, 2, ' '), l: () => pad(H % 12 || 12, 2, ' '), n: () => '\n', t: () => '\t', '%': () => '%',
    x: () => `${pad(m + 1)}/${pad(d)}/${pad(Y % 100)}`, X: () => `${pad(H)}:${pad(M)}:${pad(Math.floor(S))}`,
    G: () => String(isoWeek(t).year), g: () => pad(isoWeek(t).year % 100), V: () => pad(isoWeek(t).week),
    U: () => pad(Math.floor((yday + 7 - wday) / 7)), W: () => pad(Math.floor((yday + 7 - ((wday + 6) % 7)) / 7)),
  };
  return fmt.replace(/%([A-Za-z%])/g, (all, c: string) => (conv[c] ? conv[c]() : all));
}

const PARSERS: Record<string, string> = {
  Y: '([+-]?\\d{1,4})', m: '(\\d{1,2})', d: '(\\d{1,2})', e: '\\s*(\\d{1,2})', H: '(\\d{1,2})', M: '(\\d{1,2})', S: '(\\d{1,2})',
  j: '(\\d{1,3})', y: '(\\d{1,2})', Z: '([A-Za-z]+)', z: '([+-]\\d{2}:?\\d{2}|Z)', a: '([A-Za-z]+)', A: '([A-Za-z]+)',
  b: '([A-Za-z]+)', B: '([A-Za-z]+)', h: '([A-Za-z]+)', p: '([AaPp][Mm])', s: '(\\d+)', '%': '%',
};

function strptime(v: unknown, fmt: unknown): number[] {
  if (typeof v !== 'string') throw new JqRuntimeError(`strptime/1 requires string inputs and arguments`);
  if (typeof fmt !== 'string') throw new JqRuntimeError('strptime/1 requires string inputs and arguments');
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
  const m = new RegExp(`^${source}$`).exec(v);
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
      case 's': [Y, mo, d, H, Mi, S] = gmtime(n) as [number, number, number, number, number, number]; break;
      case 'j': break;
    }
  });
  if (pm !== undefined) H = (H % 12) + (pm ? 12 : 0);
  return gmtime(Date.UTC(Y, mo, d, H, Mi, S) / 1000);
}

export function registerDates(t: Table): void {
  defineFunction(t, 'gmtime', 0, gmtime);
  defineFunction(t, 'localtime', 0, gmtime);
  defineFunction(t, 'mktime', 0, mktime);
  defineFunction(t, 'strftime', 1, strftime);
  defineFunction(t, 'strflocaltime', 1, strftime);
  defineFunction(t, 'strptime', 1, strptime);
  defineFunction(t, 'todate', 0, (v) => strftime(v, '%Y-%m-%dT%H:%M:%SZ'));
  defineFunction(t, 'todateiso8601', 0, (v) => strftime(v, '%Y-%m-%dT%H:%M:%SZ'));
  defineFunction(t, 'fromdateiso8601', 0, (v) => mktime(strptime(v, '%Y-%m-%dT%H:%M:%SZ')));
  defineFunction(t, 'fromdate', 0, (v) => mktime(strptime(v, '%Y-%m-%dT%H:%M:%SZ')));
  void describe;
}
