// Mutates the specification examples at random (seeded, so failures reproduce) and checks that
// validation never throws and that every problem points into the document it describes.
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { pointerTokens, validateWorkflow } from './index.ts';

const EXAMPLES = new URL('../../tests/fixtures/serverless-workflow/examples/', import.meta.url);
const examples = readdirSync(EXAMPLES).sort().map((file) => ({ file, value: parse(readFileSync(new URL(file, EXAMPLES), 'utf8')) as unknown }));

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Container = Record<string, unknown> | unknown[];

function containers(value: unknown, found: Container[] = []): Container[] {
  if (typeof value === 'object' && value !== null) {
    found.push(value as Container);
    for (const child of Object.values(value)) containers(child, found);
  }
  return found;
}

const REPLACEMENTS: unknown[] = [null, 42, 1.5, -1, true, '', 'x', '${ ( }', '${ .a }', 'PT1S', 'https://example.com', [], {}, [{}], { a: 1 }, { call: 'http' }];

function mutate(document: unknown, next: () => number): unknown {
  const copy = structuredClone(document);
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)]!;
  for (let i = 0; i < 3; i++) {
    const target = pick(containers(copy));
    const keys = Object.keys(target);
    if (keys.length === 0) continue;
    const key = pick(keys);
    const action = next();
    if (Array.isArray(target)) {
      if (action < 0.3) target.splice(Number(key), 1);
      else if (action < 0.5) target.push(structuredClone(target[Number(key)]));
      else target[Number(key)] = pick(REPLACEMENTS);
    } else if (action < 0.3) {
      delete target[key];
    } else if (action < 0.5) {
      target[`${key}x`] = target[key];
      delete target[key];
    } else {
      target[key] = pick(REPLACEMENTS);
    }
  }
  return copy;
}

function resolves(document: unknown, tokens: string[]): boolean {
  let node: any = document;
  for (const token of tokens) {
    if (typeof node !== 'object' || node === null || !(token in node)) return false;
    node = node[token];
  }
  return true;
}

describe('validateWorkflow on mutated examples', () => {
  it.each(examples.map((e) => e.file))('%s: never throws, problems point into the document', (file) => {
    const { value } = examples.find((e) => e.file === file)!;
    const next = random([...file].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7));
    for (let round = 0; round < 25; round++) {
      const mutant = mutate(value, next);
      const problems = validateWorkflow(mutant);
      for (const problem of problems) {
        expect(problem.message.length).toBeGreaterThan(0);
        expect(problem.path === '' || problem.path.startsWith('/')).toBe(true);
        // The pointer resolves, or only its last token is missing (an unknown or absent member).
        const tokens = pointerTokens(problem.path);
        expect(resolves(mutant, tokens) || resolves(mutant, tokens.slice(0, -1)), `${problem.path}: ${problem.message}`).toBe(true);
      }
    }
  });
});

describe('validateWorkflow on deeply nested documents', () => {
  const nest = (depth: number, wrap: (inner: object) => object) => {
    let task: object = { leaf: { set: { deep: true } } };
    for (let i = 0; i < depth; i++) task = { [`level${i}`]: wrap(task) };
    return { document: { dsl: '1.0.0', namespace: 'test', name: 'deep', version: '1.0.0' }, do: [task] };
  };

  // The official schema's oneOf descends into `do` through doTask and forTask alike: one Ajv call
  // on it costs 2^depth. 60 levels would take longer than the universe is old.
  it.each([
    ['do', (inner: object) => ({ do: [inner] })],
    ['for', (inner: object) => ({ for: { in: '${ .items }' }, do: [inner] })],
    ['try', (inner: object) => ({ try: [inner], catch: {} })],
  ])('accepts 60 nested %s tasks, in time linear in the depth', (_kind, wrap) => {
    expect(validateWorkflow(nest(60, wrap))).toEqual([]);
  });

  it('still finds a schema error in the innermost of 60 nested tasks', () => {
    const document = nest(60, (inner) => ({ do: [inner] }));
    let task: any = document.do[0];
    for (let i = 59; i >= 0; i--) task = task[`level${i}`].do[0];
    task.leaf.set = 'not an object or expression';
    const problems = validateWorkflow(document);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]!.path).toMatch(/\/level0\/do\/0\/leaf/);
  });

  it('refuses a document nested deeper than it can walk, naming where, instead of overflowing the stack', () => {
    const problems = validateWorkflow(nest(1000, (inner) => ({ do: [inner] })));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(/more than 256 levels deep/);
    let value: unknown = 1;
    for (let i = 0; i < 100_000; i++) value = [value];
    const deepValue = { document: { dsl: '1.0.0', namespace: 'test', name: 'deep', version: '1.0.0' }, do: [{ x: { set: { value } } }] };
    expect(validateWorkflow(deepValue)[0]!.path).toMatch(/^\/do\/0\/x\/set\/value\/0\/0/);
  });
});
