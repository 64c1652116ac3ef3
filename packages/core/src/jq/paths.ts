// Indexing and the path primitives (getpath/setpath/delpaths) with jq 1.8's semantics and
// errors (jv_get, jv_set, jv_setpath, jv_delpaths). Values are never mutated: every update
// copies the containers along the path. Paths are walked with loops, not recursion, so a path
// of 10,000 steps (jq's limit) cannot overflow the stack.
import { build, charge, SLOT_BYTES, tick } from './budget.ts';
import { JqRuntimeError } from './errors.ts';
import { compare, copyObject, describe, equals, getKey, setKey, typeOf, type JqObject } from './values.ts';

/** jq refuses paths longer than this (getpath, setpath, delpaths). */
const MAX_PATH_LENGTH = 10_000;
/** jq's largest array index for an assignment (INT_MAX >> 2). */
const MAX_ARRAY_INDEX = 536_870_911;

function cannotIndex(container: unknown, key: unknown): JqRuntimeError {
  return new JqRuntimeError(`Cannot index ${typeOf(container)} with ${describe(key)}`);
}

function isObject(v: unknown): v is JqObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `.[key]` on any value (jq's jv_get). */
export function indexValue(v: unknown, key: unknown): unknown {
  if (typeof key === 'string') {
    if (isObject(v)) return getKey(v, key);
    if (v === null || v === undefined) return null;
    throw cannotIndex(v, key);
  }
  if (typeof key === 'number') {
    if (Array.isArray(v)) {
      if (Number.isNaN(key)) return null;
      // jq converts the index to an int, dropping the fraction (-1.5 is -1, the last element).
      let i = Math.trunc(key);
      if (i < 0) i += v.length;
      return i >= 0 && i < v.length ? (v[i] ?? null) : null;
    }
    if (v === null || v === undefined) return null;
    throw cannotIndex(v, key);
  }
  if (isObject(key)) {
    if (v === null || v === undefined) return null;
    if (Array.isArray(v) || typeof v === 'string') {
      const { start, end } = sliceKey(key);
      return sliceValue(v, start, end);
    }
    throw cannotIndex(v, key);
  }
  if (Array.isArray(key) && Array.isArray(v)) return indicesOf(v, key);
  throw cannotIndex(v, key);
}

/** The bounds of a slice key `{"start": …, "end": …}`: both present, numbers or null. */
function sliceKey(key: JqObject): { start: unknown; end: unknown } {
  const ok = (x: unknown): boolean => x === null || typeof x === 'number';
  if (!Object.hasOwn(key, 'start') || !Object.hasOwn(key, 'end') || !ok(key.start) || !ok(key.end)) {
    throw new JqRuntimeError('Array/string slice indices must be integers');
  }
  return { start: key.start, end: key.end };
}

/** Positions where `sub` occurs in `arr` (`.[[1,2]]`, indices/1). */
export function indicesOf(arr: unknown[], sub: unknown[], same = equals): number[] {
  const out: number[] = [];
  if (sub.length === 0) return out;
  for (let i = 0; i + sub.length <= arr.length; i++) {
    let ok = true;
    for (let j = 0; j < sub.length && ok; j++) ok = same(arr[i + j], sub[j]);
    if (ok) out.push(i);
  }
  return out;
}

/** jq's parse_slice: start rounds down, end up; nan means the start (or end) of the value. */
export function sliceBounds(length: number, from: unknown, to: unknown): [number, number] {
  if ((from !== null && from !== undefined && typeof from !== 'number') || (to !== null && to !== undefined && typeof to !== 'number')) {
    throw new JqRuntimeError('Start and end indices of an array slice must be numbers');
  }
  let start = typeof from === 'number' && !Number.isNaN(from) ? from : 0;
  let end = typeof to === 'number' && !Number.isNaN(to) ? to : length;
  if (start < 0) start = Math.max(0, start + length);
  if (end < 0) end = end + length;
  start = Math.min(length, Math.floor(start));
  end = Math.min(length, Math.ceil(end));
  return [start, Math.max(start, end)];
}

/** Whether a surrogate pair (one code point) starts at i. */
function pairAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff) return false;
  const d = s.charCodeAt(i + 1);
  return d >= 0xdc00 && d <= 0xdfff;
}

/** Code points as Array.from counts them (a lone surrogate is one), without building the array. */
function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i += pairAt(s, i) ? 2 : 1) n++;
  return n;
}

/** The UTF-16 index of the code point at `cp`. */
function utf16Index(s: string, cp: number): number {
  let i = 0;
  for (let n = 0; n < cp && i < s.length; n++) i += pairAt(s, i) ? 2 : 1;
  return i;
}

export function sliceValue(v: unknown, from: unknown, to: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') {
    // Counting code points walks the whole string: bulk work, charged against the time limit.
    charge(v.length);
    const [s, e] = sliceBounds(codePointLength(v), from, to);
    return v.slice(utf16Index(v, s), utf16Index(v, e));
  }
  if (Array.isArray(v)) {
    const [s, e] = sliceBounds(v.length, from, to);
    return v.slice(s, e);
  }
  throw cannotIndex(v, { start: from, end: to });
}

function checkLength(path: unknown[]): void {
  if (path.length > MAX_PATH_LENGTH) throw new JqRuntimeError('Path too deep');
}

export function getPath(root: unknown, path: unknown[]): unknown {
  checkLength(path);
  let v = root;
  for (const k of path) {
    tick();
    v = indexValue(v, k);
  }
  return v;
}

/** `.[key] = child` on one container (jq's jv_set): a copy with the key set. */
export function setValue(root: unknown, key: unknown, child: unknown): unknown {
  if (typeof key === 'string' && (isObject(root) || root === null || root === undefined)) {
    const obj = isObject(root) ? copyObject(root, 1) : {};
    setKey(obj, key, child);
    return obj;
  }
  if (typeof key === 'number' && (Array.isArray(root) || root === null || root === undefined)) {
    const arr = Array.isArray(root) ? root : [];
    if (Number.isNaN(key)) throw new JqRuntimeError('Cannot set array element at NaN index');
    let i = Math.trunc(key);
    if (i < 0) {
      i += arr.length;
      if (i < 0) throw new JqRuntimeError('Out of bounds negative array index');
    }
    if (i > MAX_ARRAY_INDEX) throw new JqRuntimeError('Array index too large');
    // `.[1e8] = 1` fills the array with nulls up to the index.
    build(Math.max(i + 1, arr.length) * SLOT_BYTES, 'an array');
    const out = arr.slice();
    while (out.length < i) out.push(null);
    out[i] = child;
    return out;
  }
  if (isObject(key) && (Array.isArray(root) || root === null || root === undefined)) {
    const arr = Array.isArray(root) ? root : [];
    const { start, end } = sliceKey(key);
    const [s, e] = sliceBounds(arr.length, start, end);
    if (!Array.isArray(child)) throw new JqRuntimeError('A slice of an array can only be assigned another array');
    build((arr.length - (e - s) + child.length) * SLOT_BYTES, 'an array');
    return [...arr.slice(0, s), ...child, ...arr.slice(e)];
  }
  if (isObject(key) && typeof root === 'string') throw new JqRuntimeError('Cannot update string slices');
  if (Array.isArray(key) && Array.isArray(root)) throw new JqRuntimeError('Cannot update field at array index of array');
  throw new JqRuntimeError(`Cannot update field at object index of ${typeOf(root)}`);
}

/**
 * setpath: looks every step up first (its errors come first, from the top), then sets the new
 * value into each container from the bottom up.
 */
export function setPath(root: unknown, path: unknown[], value: unknown): unknown {
  checkLength(path);
  const containers: unknown[] = [];
  let v = root;
  for (const k of path) {
    tick();
    containers.push(v);
    v = indexValue(v, k);
  }
  let result = value;
  for (let i = path.length - 1; i >= 0; i--) result = setValue(containers[i], path[i], result);
  return result;
}

/** delpaths: jq sorts the paths, then deletes each group of keys from its container at once. */
export function delPaths(root: unknown, paths: unknown): unknown {
  if (!Array.isArray(paths)) throw new JqRuntimeError('Paths must be specified as an array');
  const sorted = paths.slice().sort(compare);
  for (const p of sorted) {
    if (!Array.isArray(p)) throw new JqRuntimeError(`Path must be specified as array, not ${typeOf(p)}`);
    checkLength(p);
  }
  if (sorted.length === 0) return root;
  if ((sorted[0] as unknown[]).length === 0) return null;
  return deleteSorted(root, sorted as unknown[][]);
}

/** One container being edited: its paths (sorted, sharing the prefix before `depth`). */
interface Frame {
  value: unknown;
  paths: unknown[][];
  depth: number;
  next: number;
  keys: unknown[];
  /** The key under which the child being edited sits, while it is. */
  pending?: unknown;
}

/** jq's delpaths_sorted with an explicit stack (paths may be 10,000 steps long). */
function deleteSorted(root: unknown, paths: unknown[][]): unknown {
  const stack: Frame[] = [{ value: root, paths, depth: 0, next: 0, keys: [] }];
  let returned: unknown;
  for (;;) {
    tick();
    const frame = stack[stack.length - 1]!;
    if (frame.pending !== undefined) {
      frame.value = setValue(frame.value, frame.pending, returned);
      frame.pending = undefined;
    }
    const { paths: ps, depth } = frame;
    if (frame.next >= ps.length) {
      returned = deleteKeys(frame.value, frame.keys);
      stack.pop();
      if (stack.length === 0) return returned;
      continue;
    }
    const i = frame.next;
    const key = ps[i]![depth];
    let j = i + 1;
    while (j < ps.length && equals(ps[j]![depth], key)) j++;
    frame.next = j;
    if (ps[i]!.length === depth + 1) {
      frame.keys.push(key); // the whole key goes: longer paths under it do not matter
      continue;
    }
    const child = indexValue(frame.value, key);
    if (child === null) continue;
    frame.pending = key;
    stack.push({ value: child, paths: ps.slice(i, j), depth: depth + 1, next: 0, keys: [] });
  }
}

/** jq's jv_dels: removes keys (sorted) from one container. */
function deleteKeys(t: unknown, keys: unknown[]): unknown {
  if (t === null || t === undefined || keys.length === 0) return t;
  if (Array.isArray(t)) return deleteArrayKeys(t, keys);
  if (isObject(t)) {
    const out = copyObject(t);
    for (const k of keys) {
      if (typeof k !== 'string') throw new JqRuntimeError(`Cannot delete ${typeOf(k)} field of object`);
      delete out[k];
    }
    return out;
  }
  throw new JqRuntimeError(`Cannot delete fields from ${typeOf(t)}`);
}

function deleteArrayKeys(t: unknown[], keys: unknown[]): unknown[] {
  const gone = new Set<number>();
  const ranges: [number, number][] = [];
  for (const k of keys) {
    if (typeof k === 'number') {
      if (!Number.isFinite(k)) continue;
      const i = Math.trunc(k);
      gone.add(i < 0 ? i + t.length : i);
    } else if (isObject(k)) {
      const { start, end } = sliceKey(k);
      ranges.push(sliceBounds(t.length, start, end));
    } else {
      throw new JqRuntimeError(`Cannot delete ${typeOf(k)} element of array`);
    }
  }
  build(t.length * SLOT_BYTES, 'an array');
  return t.filter((_x, i) => !gone.has(i) && !ranges.some(([s, e]) => s <= i && i < e));
}
