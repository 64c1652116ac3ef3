// Builtins over arrays and objects: sorting, grouping, searching, containment, reductions.
import { JqRuntimeError } from '../errors.ts';
import { iterateValue } from '../compile.ts';
import { add } from '../operators.ts';
import { indexValue, indicesOf } from '../paths.ts';
import { collect, StopSignal, valueNode, type Env, type Node } from '../runtime.ts';
import { checkCollection, elementSize, SLOT_BYTES, tick } from '../budget.ts';
import { chargeSort, compare, describe, equals, getKey, isTruthy, typeOf, type JqObject } from '../values.ts';
import { MAX_DEPTH, trampoline } from '../deep.ts';
import { defineFunction, type Table } from './define.ts';
import { lengthOf } from './core.ts';

function needArray(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new JqRuntimeError(`${describe(v)} ${what}`);
  return v;
}

/** jq computes `map([f])` first (so non-iterables fail there), then requires an array. */
function keyed(v: unknown, f: Node, env: Env | null, what: string): { key: unknown[]; value: unknown }[] {
  const items: { key: unknown[]; value: unknown }[] = [];
  iterateValue(v, (value) => items.push({ key: collect(f, value, env), value }));
  if (!Array.isArray(v)) throw new JqRuntimeError(`${describe(v)} and ${describe(items.map((i) => i.key))} ${what}`);
  return items;
}

function sortKeyed(items: { key: unknown[]; value: unknown }[]): { key: unknown[]; value: unknown }[] {
  chargeSort(items.length, SLOT_BYTES);
  return items.sort((a, b) => compare(a.key, b.key));
}

function groups(v: unknown, f: Node, env: Env | null): unknown[][] {
  const sorted = sortKeyed(keyed(v, f, env, 'cannot be grouped, as they are not both arrays'));
  const out: unknown[][] = [];
  let prev: unknown[] | undefined;
  for (const item of sorted) {
    if (prev && compare(prev, item.key) === 0) out[out.length - 1]!.push(item.value);
    else out.push([item.value]);
    prev = item.key;
  }
  return out;
}

function extreme(items: { key: unknown; value: unknown }[], max: boolean): unknown {
  let best: { key: unknown; value: unknown } | undefined;
  for (const item of items) {
    if (!best) { best = item; continue; }
    const c = compare(item.key, best.key);
    if (max ? c >= 0 : c < 0) best = item;
  }
  return best ? best.value : null;
}

/** jq's kinds: true and false are two (so `true | contains(false)` is a type error). */
function kindOf(v: unknown): string {
  return typeof v === 'boolean' ? String(v) : typeOf(v);
}

export function contains(a: unknown, b: unknown): boolean {
  if (kindOf(a) !== kindOf(b)) throw new JqRuntimeError(`${describe(a)} and ${describe(b)} cannot have their containment checked`);
  return trampoline(containsStep, a, b, 0);
}

/**
 * Nested values of different kinds are simply not contained (only the top level raises); values
 * nested deeper than jq's limit raise "Containment check too deep". Written for the trampoline.
 */
function* containsStep(a: unknown, b: unknown, depth: number): Generator<[unknown, unknown, number], boolean, boolean> {
  if (depth > MAX_DEPTH) throw new JqRuntimeError('Containment check too deep');
  const kind = kindOf(a);
  if (kind !== kindOf(b)) return false;
  if (kind === 'object') {
    for (const k of Object.keys(b as JqObject)) {
      if (!Object.hasOwn(a as JqObject, k)) return false;
      if (!(yield [getKey(a as JqObject, k), (b as JqObject)[k], depth + 1])) return false;
    }
    return true;
  }
  if (kind === 'array') {
    // Every element of b against every element of a: each comparison ticks (the time limit).
    for (const y of b as unknown[]) {
      let found = false;
      for (const x of a as unknown[]) {
        tick();
        const scalar = scalarContains(x, y);
        if (scalar ?? (yield [x, y, depth + 1])) {
          found = true;
          break;
        }
      }
      if (!found) return false;
    }
    return true;
  }
  return scalarContains(a, b)!;
}

/** Containment of scalars (strings contain substrings); undefined for arrays and objects. */
function scalarContains(a: unknown, b: unknown): boolean | undefined {
  if (a !== null && typeof a === 'object') return undefined;
  if (kindOf(a) !== kindOf(b)) return false;
  if (typeof a === 'string') return a.includes(b as string);
  return equals(a, b);
}

function stringIndices(s: string, sub: string): number[] {
  const out: number[] = [];
  if (sub === '') return out;
  // Positions only move forward: their code-point offsets are counted incrementally.
  let at = 0;
  let cp = 0;
  for (let i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + 1)) {
    checkCollection((out.length + 1) * SLOT_BYTES);
    for (; at < i; at++) {
      const c = s.charCodeAt(at);
      if (c < 0xdc00 || c > 0xdfff) cp++;
    }
    out.push(cp);
  }
  return out;
}

export function indices(v: unknown, i: unknown): unknown {
  if (v === null) return null;
  if (Array.isArray(v) && Array.isArray(i)) return indicesOf(v, i, equals);
  if (Array.isArray(v)) return indicesOf(v, [i], equals);
  if (typeof v === 'string' && typeof i === 'string') return stringIndices(v, i);
  return indexValue(v, i);
}

/** A loop with a stack of the arrays being flattened (values may be nested 10,000 deep). */
function flatten(v: unknown, depth: unknown): unknown[] {
  if (typeof depth !== 'number') throw new JqRuntimeError('flatten depth must not be negative');
  if (depth < 0) throw new JqRuntimeError('flatten depth must not be negative');
  const top: unknown[] = [];
  iterateValue(v, (x) => top.push(x));
  const out: unknown[] = [];
  let bytes = 0;
  const stack = [{ items: top, i: 0, depth }];
  while (stack.length) {
    const frame = stack[stack.length - 1]!;
    if (frame.i >= frame.items.length) {
      stack.pop();
      continue;
    }
    tick();
    const y = frame.items[frame.i++];
    if (Array.isArray(y) && frame.depth > 0) {
      stack.push({ items: y, i: 0, depth: frame.depth - 1 });
      continue;
    }
    bytes += elementSize(y);
    checkCollection(bytes);
    out.push(y);
  }
  return out;
}

function anyAll(t: Table, name: 'any' | 'all'): void {
  const wanted = name === 'any';
  const decide = (gen: (emit: (v: unknown) => void) => void): boolean => {
    const stop = new StopSignal();
    let found = false;
    try {
      gen((v) => {
        if (isTruthy(v) === wanted) { found = true; throw stop; }
      });
    } catch (e) {
      if (e !== stop) throw e;
    }
    return found ? wanted : !wanted;
  };
  t.set(`${name}/0`, () => valueNode((input, _env, emit) => emit(decide((out) => iterateValue(input, (x) => out(x))))));
  t.set(`${name}/1`, ([f]) => valueNode((input, env, emit) => emit(decide((out) => iterateValue(input, (x) => f!.run(x, env, out))))));
  t.set(`${name}/2`, ([g, cond]) => valueNode((input, env, emit) => emit(decide((out) => g!.run(input, env, (x) => cond!.run(x, env, out))))));
}

export function registerCollections(t: Table): void {
  defineFunction(t, 'sort', 0, (v) => {
    const items = needArray(v, 'cannot be sorted, as it is not an array');
    chargeSort(items.length, SLOT_BYTES);
    return items.slice().sort(compare);
  });
  t.set('sort_by/1', ([f]) => valueNode((input, env, emit) => emit(sortKeyed(keyed(input, f!, env, 'cannot be sorted, as they are not both arrays')).map((x) => x.value))));
  t.set('group_by/1', ([f]) => valueNode((input, env, emit) => emit(groups(input, f!, env))));
  t.set('unique_by/1', ([f]) => valueNode((input, env, emit) => emit(groups(input, f!, env).map((g) => g[0]))));
  defineFunction(t, 'unique', 0, (v) => {
    const items = needArray(v, 'cannot be sorted, as it is not an array');
    chargeSort(items.length, SLOT_BYTES);
    const sorted = items.slice().sort(compare);
    return sorted.filter((x, i) => i === 0 || compare(sorted[i - 1], x) !== 0);
  });
  const plain = (v: unknown) => {
    if (!Array.isArray(v)) throw new JqRuntimeError(`${describe(v)} and ${describe(v)} cannot be iterated over`);
    return v.map((x) => ({ key: x, value: x }));
  };
  defineFunction(t, 'min', 0, (v) => extreme(plain(v), false));
  defineFunction(t, 'max', 0, (v) => extreme(plain(v), true));
  t.set('min_by/1', ([f]) => valueNode((input, env, emit) => emit(extreme(keyed(input, f!, env, 'cannot be iterated over'), false))));
  t.set('max_by/1', ([f]) => valueNode((input, env, emit) => emit(extreme(keyed(input, f!, env, 'cannot be iterated over'), true))));
  // jq 1.8.2: def reverse: [.[length - 1 - range(0;length)]];
  defineFunction(t, 'reverse', 0, (v) => {
    if (Array.isArray(v)) return v.slice().reverse();
    const n = lengthOf(v);
    return n === 0 ? [] : [indexValue(v, n - 1)];
  });
  defineFunction(t, 'flatten', 0, (v) => flatten(v, 1e9));
  defineFunction(t, 'flatten', 1, flatten);
  defineFunction(t, 'indices', 1, indices);
  defineFunction(t, 'index', 1, (v, i) => {
    const r = indices(v, i);
    return Array.isArray(r) ? (r[0] ?? null) : null;
  });
  defineFunction(t, 'rindex', 1, (v, i) => {
    const r = indices(v, i);
    return Array.isArray(r) ? (r[r.length - 1] ?? null) : null;
  });
  defineFunction(t, 'contains', 1, contains);
  defineFunction(t, 'add', 0, (v) => {
    let acc: unknown = null;
    iterateValue(v, (x) => { acc = add(acc, x); });
    return acc;
  });
  defineFunction(t, 'bsearch', 1, bsearch);
  anyAll(t, 'any');
  anyAll(t, 'all');
}

function bsearch(v: unknown, target: unknown): number {
  const arr = needArray(v, 'cannot be searched from');
  let start = 0;
  let end = arr.length;
  while (start < end) {
    const mid = start + ((end - start) >> 1);
    const c = compare(target, arr[mid]);
    if (c === 0) return mid;
    if (c < 0) end = mid;
    else start = mid + 1;
  }
  return -1 - start;
}
