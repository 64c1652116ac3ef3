// Indexing and the path primitives (getpath/setpath/delpaths) with jq's semantics and errors.
// Values are never mutated: every update copies the containers along the path.
import { build, charge, SLOT_BYTES } from './budget.ts';
import { JqRuntimeError } from './errors.ts';
import { copyObject, describe, getKey, setKey, typeOf, type JqObject } from './values.ts';

function cannotIndex(container: unknown, key: unknown): JqRuntimeError {
  return new JqRuntimeError(`Cannot index ${typeOf(container)} with ${describe(key)}`);
}

/** `.[key]` on any value. */
export function indexValue(v: unknown, key: unknown): unknown {
  if (typeof key === 'string') {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return getKey(v as JqObject, key);
    if (v === null || v === undefined) return null;
    throw cannotIndex(v, key);
  }
  if (typeof key === 'number') {
    if (Array.isArray(v)) {
      if (Number.isNaN(key)) return null;
      let i = Math.floor(key);
      if (i < 0) i += v.length;
      return i >= 0 && i < v.length ? (v[i] ?? null) : null;
    }
    if (v === null || v === undefined) return null;
    throw cannotIndex(v, key);
  }
  if (key !== null && typeof key === 'object' && !Array.isArray(key) && (Array.isArray(v) || typeof v === 'string' || v === null)) {
    const { start, end } = key as JqObject;
    return sliceValue(v, start ?? null, end ?? null);
  }
  if (Array.isArray(key) && Array.isArray(v)) return indicesOf(v, key);
  throw cannotIndex(v, key);
}

/** Positions where `sub` occurs in `arr` (`.[[1,2]]`, indices/1). */
export function indicesOf(arr: unknown[], sub: unknown[], equals = defaultEquals): number[] {
  const out: number[] = [];
  if (sub.length === 0) return out;
  for (let i = 0; i + sub.length <= arr.length; i++) {
    let ok = true;
    for (let j = 0; j < sub.length && ok; j++) ok = equals(arr[i + j], sub[j]);
    if (ok) out.push(i);
  }
  return out;
}

let defaultEquals: (a: unknown, b: unknown) => boolean = (a, b) => a === b;
export function setEquality(eq: (a: unknown, b: unknown) => boolean): void {
  defaultEquals = eq;
}

function sliceBounds(length: number, from: unknown, to: unknown): [number, number] {
  const norm = (x: unknown, dflt: number): number => {
    if (x === null || x === undefined) return dflt;
    if (typeof x !== 'number') throw new JqRuntimeError('Start and end indices of an array slice must be numbers');
    let n = x < 0 ? length + x : x;
    n = Math.max(0, Math.min(length, n));
    return n;
  };
  const start = Math.floor(norm(from, 0));
  let end = norm(to, length);
  end = Math.ceil(end);
  return [start, Math.max(start, Math.min(end, length))];
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

export function getPath(root: unknown, path: unknown[]): unknown {
  let v = root;
  for (const k of path) {
    if (v === null || v === undefined) return null;
    v = indexValue(v, k);
  }
  return v;
}

export function setPath(root: unknown, path: unknown[], value: unknown, at = 0): unknown {
  if (at === path.length) return value;
  const key = path[at];
  if (typeof key === 'string') {
    if (root !== null && root !== undefined && (typeof root !== 'object' || Array.isArray(root))) throw cannotIndex(root, key);
    const obj = root ? copyObject(root as JqObject) : {};
    setKey(obj, key, setPath(getKey(obj, key), path, value, at + 1));
    return obj;
  }
  if (typeof key === 'number') {
    if (root !== null && root !== undefined && !Array.isArray(root)) throw cannotIndex(root, key);
    const length = root ? (root as unknown[]).length : 0;
    let i = Math.floor(key);
    if (i < 0) {
      i += length;
      if (i < 0) throw new JqRuntimeError('Out of bounds negative array index');
    }
    // `.[1e8] = 1` fills the array with nulls up to the index.
    build((Math.max(i + 1, length) || 0) * SLOT_BYTES, 'an array');
    const arr = root ? (root as unknown[]).slice() : [];
    const inner = setPath(i < arr.length ? arr[i] : null, path, value, at + 1);
    while (arr.length < i) arr.push(null);
    arr[i] = inner;
    return arr;
  }
  if (key !== null && typeof key === 'object' && !Array.isArray(key)) {
    if (typeof root === 'string') throw new JqRuntimeError('Cannot update string slices');
    if (root !== null && root !== undefined && !Array.isArray(root)) throw new JqRuntimeError(`Cannot update field at object index of ${typeOf(root)}`);
    const arr = (root ?? []) as unknown[];
    const { start, end } = key as JqObject;
    const [s, e] = sliceBounds(arr.length, start, end);
    const inner = setPath(arr.slice(s, e), path, value, at + 1);
    if (!Array.isArray(inner)) throw new JqRuntimeError('A slice of an array can only be assigned another array');
    build((arr.length - (e - s) + inner.length) * SLOT_BYTES, 'an array');
    return [...arr.slice(0, s), ...inner, ...arr.slice(e)];
  }
  throw cannotIndex(root, key);
}

/** Deletes every path; longest and last paths first so earlier deletions do not shift later ones. */
export function delPaths(root: unknown, paths: unknown[][], compare: (a: unknown, b: unknown) => number): unknown {
  const sorted = paths.slice().sort(compare).reverse();
  let v = root;
  for (const p of sorted) v = delPath(v, p, 0);
  return v;
}

function delPath(root: unknown, path: unknown[], at: number): unknown {
  if (root === null || root === undefined) return null;
  if (at === path.length - 1) return deleteKey(root, path[at]);
  const key = path[at];
  const child = indexValue(root, key);
  if (child === null && !hasKey(root, key)) return root;
  return replaceChild(root, key, delPath(child, path, at + 1));
}

function hasKey(root: unknown, key: unknown): boolean {
  if (typeof key === 'string' && root !== null && typeof root === 'object' && !Array.isArray(root)) return Object.hasOwn(root, key);
  if (typeof key === 'number' && Array.isArray(root)) return (key < 0 ? root.length + key : key) < root.length;
  return typeof key === 'object';
}

function replaceChild(root: unknown, key: unknown, child: unknown): unknown {
  if (typeof key === 'object' && key !== null && Array.isArray(root)) return setPath(root, [key], child);
  return setPath(root, [key], child);
}

function deleteKey(root: unknown, key: unknown): unknown {
  if (typeof key === 'string') {
    if (typeof root !== 'object' || Array.isArray(root) || root === null) throw new JqRuntimeError(`Cannot delete field at object index of ${typeOf(root)}`);
    if (!Object.hasOwn(root, key)) return root;
    const out = copyObject(root as JqObject);
    delete out[key];
    return out;
  }
  if (typeof key === 'number') {
    if (!Array.isArray(root)) throw new JqRuntimeError(`Cannot delete field at index of ${typeOf(root)}`);
    let i = Math.floor(key);
    if (i < 0) i += root.length;
    if (i < 0 || i >= root.length) return root;
    build(root.length * SLOT_BYTES, 'an array');
    return [...root.slice(0, i), ...root.slice(i + 1)];
  }
  if (key !== null && typeof key === 'object' && !Array.isArray(key)) {
    if (!Array.isArray(root)) throw new JqRuntimeError(`Cannot delete fields from ${typeOf(root)}`);
    const { start, end } = key as JqObject;
    const [s, e] = sliceBounds(root.length, start, end);
    build(root.length * SLOT_BYTES, 'an array');
    return [...root.slice(0, s), ...root.slice(e)];
  }
  throw new JqRuntimeError(`Cannot delete field at index of ${typeOf(root)}`);
}
