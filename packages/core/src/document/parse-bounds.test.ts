// Hostile sources are refused before the YAML library spends time, stack or memory on them
// (issue 12, row 6: a 300 KB string aliased 999 times took 79 s and 3.1 GB, then a 500).
import { describe, expect, it } from 'vitest';
import { parseSource } from './parse.ts';
import { MAX_EXPANDED_BYTES, MAX_SOURCE_DEPTH, MAX_SOURCE_VALUES } from './parse-bounds.ts';

const HEADER = "document: {dsl: '1.0.0', namespace: demo, name: bomb, version: '1.0.0'}\n";

function refused(text: string, format?: 'json' | 'yaml') {
  const result = parseSource(text, format);
  if (result.ok) throw new Error('the source was accepted');
  expect(result.problems).toHaveLength(1);
  return result.problems[0]!;
}

describe('parseSource: what a source expands to', () => {
  it('refuses the issue\'s 300 KB string anchored and aliased 999 times, naming the limit, before building it', () => {
    const text = `${HEADER}do:\n  - s:\n      set:\n        a: &big "${'x'.repeat(300_000)}"\n        copies: [${Array(999).fill('*big').join(', ')}]\n`;
    expect(text.length).toBeLessThan(1024 * 1024); // under the API's body limit
    const heapBefore = process.memoryUsage().heapUsed;
    const problem = refused(text);
    expect(problem.message).toContain(`more than ${MAX_EXPANDED_BYTES} bytes of JSON`);
    expect(problem).toMatchObject({ path: '', line: 6 }); // the aliases' line
    // 300 MB had it been built; a generous bound that only proves it was not.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(100 * 1024 * 1024);
  });

  it('refuses nested aliases that multiply ("billion laughs") in time linear in the text', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i += 1) levels.push(`l${i}: &l${i} [${Array(10).fill(i === 1 ? '*a' : `*l${i - 1}`).join(',')}]`);
    expect(refused(levels.join('\n')).message).toContain('bytes of JSON');
  });

  it('keeps a document whose aliases repeat little', () => {
    const result = parseSource(`${HEADER}use:\n  x: &h {accept: json}\ndo:\n  - a: {set: {h: *h}}\n  - b: {set: {h: *h}}\n`);
    expect(result.ok).toBe(true);
    if (result.ok) expect((result.value as any).do[1].b.set.h).toEqual({ accept: 'json' });
  });

  it('counts the nesting an alias adds where it is placed', () => {
    const deep = (n: number, inner: string) => '['.repeat(n) + inner + ']'.repeat(n);
    const text = `a: &d ${deep(200, '1')}\nb: ${deep(200, '*d')}\n`; // each 200 deep, 400 once expanded
    expect(refused(text).message).toContain(`more than ${MAX_SOURCE_DEPTH} levels deep`);
  });
});

describe('parseSource: nesting and size', () => {
  it.each([
    ['10,000-deep flow sequences', `a: ${'['.repeat(10_000)}${']'.repeat(10_000)}`, 1],
    ['10,000-deep flow mappings', `a: ${'{a: '.repeat(10_000)}1${'}'.repeat(10_000)}`, 1],
    ['10,000 compact sequences on one line', `a:\n${'- '.repeat(10_000)}x\n`, 2],
  ])('refuses %s with the limit and a position, not a stack overflow', (_label, text, line) => {
    const problem = refused(text);
    expect(problem.message).toContain(`more than ${MAX_SOURCE_DEPTH} levels deep`);
    expect(problem.message).not.toMatch(/call stack/);
    expect(problem.line).toBe(line);
  });

  it('refuses nesting by indentation beyond the limit, measured exactly', () => {
    const text = Array.from({ length: MAX_SOURCE_DEPTH + 1 }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
    expect(refused(text)).toMatchObject({ message: expect.stringContaining('levels deep'), line: MAX_SOURCE_DEPTH + 1 });
  });

  it('refuses a 10,000-deep JSON document the same way', () => {
    const text = `{"document": {}, "do": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    expect(refused(text, 'json').message).toContain('levels deep');
  });

  it('keeps nesting up to the limit (the validator then applies its own, with a JSON Pointer)', () => {
    const depth = MAX_SOURCE_DEPTH - 1; // the root mapping is one level
    expect(parseSource(`a: ${'['.repeat(depth)}${']'.repeat(depth)}`).ok).toBe(true);
  });

  it('refuses more values than a workflow document may have without parsing them', () => {
    const text = `[${Array(MAX_SOURCE_VALUES + 1).fill('1').join(',')}]`;
    expect(refused(text, 'json').message).toContain(`more than ${MAX_SOURCE_VALUES} values`);
  });

  it('finds a repeated key among 8,000 with a set per mapping (the library compared every pair: 20 s for 60,000)', () => {
    const keys = Array.from({ length: 8_000 }, (_, i) => `"k${i}": ${i}`);
    const started = Date.now();
    expect(parseSource(`{${keys.join(',')}}`, 'json').ok).toBe(true);
    const problem = refused(`{${keys.join(',')}, "k7": 0}`, 'json');
    expect(problem.message).toBe('JSON syntax error: Map keys must be unique');
    expect(Date.now() - started).toBeLessThan(30_000); // did not hang
  });
});
