// Workflow documents: the specification's examples mutated at one path, documents generated
// valid (set, switch, for, fork, try, raise, wait, emit, listen, run: workflow — never a call
// out), and YAML that tries the parser: anchors and aliases that expand, tags, merge keys,
// directives, several documents, duplicate keys, deep nesting, invalid UTF-8.
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { GATE_EVENT, NS } from '../fixtures.ts';
import type { Bytes } from '../wire.ts';
import { anyJson, anyNumber, anyString, bigString, nastyString } from './hostile.ts';
import { jqProgram } from './jq.ts';

export const WF_NS = 'fuzz-wf';

const EXAMPLES_DIR = new URL('../../../packages/core/tests/fixtures/serverless-workflow/examples/', import.meta.url);
const EXAMPLES: Array<Record<string, any>> = readdirSync(EXAMPLES_DIR)
  .filter((file) => file.endsWith('.yaml'))
  .sort()
  .map((file) => parse(readFileSync(new URL(file, EXAMPLES_DIR), 'utf8')) as Record<string, any>);

export interface DocumentInput {
  /** The body as sent, and its media type. */
  contentType: string;
  body: string | Bytes;
  /** Start a run of it once registered (only documents that call nothing outside). */
  run?: { input: unknown };
}

const header = (name: string, version: string) => ({ dsl: '1.0.0', namespace: WF_NS, name, version });
const docName = fc.constantFrom('a', 'b', 'c', 'flow', 'x-1');
const docVersion = fc.nat(50).map((n) => `1.0.${n}`);

const expr = jqProgram.map((p) => `\${ ${p} }`);
const simpleExpr = fc.constantFrom('${ . }', '${ .a }', '${ $input }', '${ $context }', '${ [range(3)] }', '${ .n // 0 }', '${ $task.name }', '${ $workflow.id }', '${ $runtime }', '${ now }');
const value: fc.Arbitrary<unknown> = fc.oneof({ arbitrary: anyJson, weight: 3 }, { arbitrary: simpleExpr, weight: 2 }, { arbitrary: expr, weight: 1 });
const duration = fc.oneof(fc.constantFrom('PT0S', 'PT0.01S', 'PT0.1S', 'PT1H', 'P1D', 'PT-1S', 'P99999999D', 'x'), fc.record({ milliseconds: fc.integer({ min: 0, max: 100 }) }), fc.record({ seconds: anyNumber }));

/** Tasks that run inside Baton: no `call` (http, agent, approval) ever leaves it. */
const task: fc.Arbitrary<Record<string, unknown>> = fc.letrec<{ task: Record<string, unknown>; list: Array<Record<string, unknown>> }>((tie) => ({
  list: fc.array(fc.tuple(fc.oneof(fc.constantFrom('t1', 't2', 'step', 'end', 'exit', 'continue'), anyString), tie('task')), { minLength: 1, maxLength: 4 }).map(uniqueNames),
  task: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.dictionary(fc.oneof(fc.constantFrom('a', 'b', 'n', 'items'), anyString), value, { minKeys: 1, maxKeys: 3 }).map((set) => ({ set })),
    fc.tuple(simpleExpr, fc.constantFrom('t1', 't2', 'end', 'exit', 'continue', 'nowhere')).map(([when, then]) => ({ switch: [{ one: { when, then } }, { other: { then: 'continue' } }] })),
    fc.tuple(fc.oneof(simpleExpr, fc.constantFrom('${ [range(10)] }', '${ [range(20000)] }', '${ . }', '${ {a: 1} }')), tie('list')).map(([inExpr, body]) => ({ for: { each: 'item', in: inExpr, at: 'i' }, do: body })),
    fc.tuple(fc.array(tie('list'), { minLength: 1, maxLength: 3 }), fc.boolean()).map(([lists, compete]) => ({ fork: { compete, branches: lists.map((list, i) => ({ [`b${i}`]: { do: list } })) } })),
    tie('list').map((list) => ({ do: list })),
    fc.tuple(tie('list'), fc.oneof(fc.constant(undefined), tie('list'))).map(([tried, handler]) => ({ try: tried, catch: { errors: { with: { status: 400 } }, as: 'e', ...(handler && { do: handler }) } })),
    fc.record({ type: fc.oneof(fc.constant('https://example.com/errors/x'), fc.constant('${ "https://example.com/errors/" + (.n // 1 | tostring) }'), anyString), status: fc.oneof(fc.constant(400), anyNumber), title: anyString }).map((error) => ({ raise: { error } })),
    duration.map((wait) => ({ wait })),
    fc.record({ type: fc.oneof(fc.constant(GATE_EVENT), anyString), source: fc.constantFrom('https://fuzz.example/source', '${ "urn:fuzz" }'), data: value }).map((event) => ({ emit: { event: { with: event } } })),
    fc.constant({ listen: { to: { one: { with: { type: 'com.fuzz.never' } } } }, timeout: { after: 'PT1S' } }),
    fc.constantFrom(NS, WF_NS).chain((namespace) => fc.constantFrom('hello', 'gate', 'a', 'nope').map((name) => ({ run: { workflow: { namespace, name, version: '1.0.0' }, await: true } }))),
    fc.tuple(tie('task'), fc.record({ if: simpleExpr, input: fc.record({ from: simpleExpr }), output: fc.record({ as: simpleExpr }), export: fc.record({ as: simpleExpr }), then: fc.constantFrom('continue', 'end', 'exit', 't1') }, { requiredKeys: [] })).map(([t, extra]) => ({ ...t, ...extra })),
  ),
})).task;

export const validDocument = fc.record({ name: docName, version: docVersion, tasks: fc.array(fc.tuple(fc.constantFrom('t1', 't2', 'step', 'end'), task), { minLength: 1, maxLength: 4 }), input: anyJson }).map(({ name, version, tasks, input }) => ({
  doc: { document: header(name, version), do: uniqueNames(tasks) },
  input,
}));

/** A task list, each name once (a repeated name is refused: that is not what these documents test). */
function uniqueNames(entries: Array<[string, Record<string, unknown>]>): Array<Record<string, unknown>> {
  const seen = new Set<string>();
  return entries.map(([name, t], i) => {
    const unique = seen.has(name) ? `${name}${i}` : name;
    seen.add(unique);
    return { [unique]: t };
  });
}

/** Only what cannot reach outside the machine is ever run (the address policy stops the rest too). */
function runnable(doc: unknown): boolean {
  const text = JSON.stringify(doc) ?? '';
  return !/"call"|"endpoint"|"uri"|"authentication"|"use"/.test(text);
}

type Path = Array<string | number>;

function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (out.length > 400) return out;
  if (Array.isArray(value)) value.forEach((item, i) => pathsOf(item, [...prefix, i], out));
  else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) pathsOf(item, [...prefix, key], out);
  return out;
}

function setAt(root: unknown, path: Path, replace: (old: unknown) => unknown): unknown {
  if (path.length === 0) return replace(root);
  const [head, ...rest] = path;
  if (Array.isArray(root)) return root.map((item, i) => (i === head ? setAt(item, rest, replace) : item));
  if (root && typeof root === 'object') return { ...(root as object), [head as string]: setAt((root as Record<string, unknown>)[head as string], rest, replace) };
  return root;
}

const DELETE = Symbol('delete');

function mutateAt(doc: unknown, at: number, how: string, replacement: unknown, key: string): unknown {
  const paths = pathsOf(doc).filter((p) => p.length > 0);
  const path = paths[at % Math.max(1, paths.length)] ?? [];
  const mutated = setAt(doc, path, (old) => {
    switch (how) {
      case 'replace':
        return replacement;
      case 'delete':
        return DELETE;
      case 'rename':
        return old && typeof old === 'object' && !Array.isArray(old) ? Object.fromEntries(Object.entries(old).map(([k, v], i) => [i === 0 ? key : k, v])) : old;
      case 'duplicate':
        return Array.isArray(old) ? [...old, ...old] : [old, old];
      case 'wrap':
        return { do: [{ wrapped: old }] };
      default:
        return typeof old === 'string' ? `\${ ${typeof replacement === 'string' ? replacement : JSON.stringify(replacement)} }` : old;
    }
  });
  return JSON.parse(JSON.stringify(mutated, (_k, v: unknown) => (v === DELETE ? undefined : v)) ?? 'null');
}

const MUTATION = fc.tuple(fc.nat(), fc.constantFrom('replace', 'delete', 'rename', 'duplicate', 'wrap', 'expression'), fc.oneof(anyJson, nastyString, anyNumber, jqProgram), anyString);

const exampleMutation = fc.record({
  example: fc.nat(EXAMPLES.length - 1),
  version: docVersion,
  mutations: fc.array(MUTATION, { maxLength: 3 }),
}).map(({ example, version, mutations }) => {
  let doc: unknown = structuredClone(EXAMPLES[example]!);
  (doc as any).document = { ...(doc as any).document, namespace: WF_NS, version };
  for (const [at, how, replacement, key] of mutations) doc = mutateAt(doc, at, how, replacement, key);
  return doc;
});

/** A generated valid document changed at one or two paths (then run, when it still registers and calls nothing). */
const validMutation = fc.tuple(validDocument, fc.array(MUTATION, { minLength: 1, maxLength: 2 })).map(([{ doc }, mutations]) => {
  let mutated: unknown = doc;
  for (const [at, how, replacement, key] of mutations) mutated = mutateAt(mutated, at, how, replacement, key);
  return mutated;
});

/** YAML texts that try the parser's bounds: expansion, tags, merge keys, depth, repeats, bytes. */
const yamlTrick: fc.Arbitrary<string | Bytes> = fc.oneof(
  fc.tuple(fc.constantFrom(10, 100, 999, 1000, 1001), fc.constantFrom(1, 1_000, 300_000)).map(([aliases, size]) => `document: {dsl: '1.0.0', namespace: ${WF_NS}, name: alias, version: '1.0.0'}\nx: &a "${'a'.repeat(size)}"\ny: [${Array(aliases).fill('*a').join(', ')}]\ndo: [{t: {set: {v: 1}}}]\n`),
  fc.constantFrom(3, 9, 12).map((levels) => {
    let text = 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (let i = 1; i <= levels; i++) text += `l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(',')}]\n`;
    return `document: {dsl: '1.0.0', namespace: ${WF_NS}, name: lol, version: '1.0.0'}\n${text}do: [{t: {set: {v: *l${levels}}}}]\n`;
  }),
  fc.constantFrom(
    'a: &a [*a]\n', '&a a: *a\n', '*unknown\n', 'a: !!js/function "function(){}"\n', 'a: !!binary AAAA\n', 'a: !!set {x, y}\n', 'a: !!omap [a: 1]\n', 'a: !custom 1\n', 'a: !<tag:yaml.org,2002:str> 1\n',
    '%YAML 1.1\n---\na: 1\n', '%YAML 9.9\n---\na: 1\n', '%TAG ! tag:evil,2026:\n---\na: !x 1\n', '---\na: 1\n---\nb: 2\n', '--- |\n  text\n', '? [a, b]\n: c\n', '? {a: 1}\n: b\n', 'null: 1\n~: 2\n',
    '<<: {document: 1}\ndo: []\n', 'base: &b {dsl: "1.0.0", namespace: fuzz-wf, name: m, version: "1.0.0"}\ndocument:\n  <<: *b\ndo: [{t: {set: {a: 1}}}]\n', 'a: 1\na: 2\n', 'document: {}\ndocument: {}\n',
    'a:\tb\n', '\ta: 1\n', 'a: "\\ud800"\n', 'a: "\\x00"\n', 'a: 0x1F\nb: 0o17\nc: 1_000\nd: .inf\ne: .nan\nf: 1e400\n', 'a: 2001-12-14t21:59:43.10-05:00\n', 'a: yes\nb: on\nc: ~\n', '\ufeffa: 1\n', 'a: |\n  \u0000\n',
  ),
  fc.tuple(fc.constantFrom(100, 257, 301, 1_000, 50_000), fc.boolean()).map(([depth, flow]) => (flow ? `a: ${'['.repeat(depth)}${']'.repeat(depth)}\n` : `${Array.from({ length: Math.min(depth, 2_000) }, (_, i) => `${' '.repeat(i)}k:`).join('\n')} 1\n`)),
  fc.nat(60_000).map((n) => `document: {dsl: '1.0.0', namespace: ${WF_NS}, name: keys, version: '1.0.0'}\nx:\n${Array.from({ length: Math.min(n, 60_000) }, (_, i) => `  k${i % 1000 === 999 ? 0 : i}: ${i}`).join('\n')}\ndo: [{t: {set: {a: 1}}}]\n`),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => ({ base64: Buffer.concat([Buffer.from('a: "'), Buffer.from(bytes), Buffer.from('"\n')]).toString('base64') })),
  bigString.map((s) => `document: {dsl: '1.0.0', namespace: ${WF_NS}, name: big, version: '1.0.0'}\ndo: [{t: {set: {v: ${JSON.stringify(s)}}}}]\n`),
);

const asBody = (doc: unknown, yaml: boolean): Pick<DocumentInput, 'contentType' | 'body'> => (yaml ? { contentType: 'application/yaml', body: safeYaml(doc) } : { contentType: 'application/json', body: JSON.stringify(doc) ?? 'null' });

function safeYaml(doc: unknown): string {
  try {
    return stringify(doc, { aliasDuplicateObjects: false });
  } catch {
    return JSON.stringify(doc) ?? 'null';
  }
}

export const documentInput: fc.Arbitrary<DocumentInput> = fc.oneof(
  { arbitrary: fc.tuple(validDocument, fc.boolean()).map(([{ doc, input }, yaml]) => ({ ...asBody(doc, yaml), ...(runnable(doc) && { run: { input } }) })), weight: 5 },
  { arbitrary: fc.tuple(exampleMutation, fc.boolean()).map(([doc, yaml]) => asBody(doc, yaml)), weight: 4 },
  { arbitrary: fc.tuple(validMutation, fc.boolean()).map(([doc, yaml]) => ({ ...asBody(doc, yaml), ...(runnable(doc) && { run: { input: null } }) })), weight: 2 },
  { arbitrary: fc.tuple(yamlTrick, fc.constantFrom('application/yaml', 'text/yaml', 'application/x-yaml', 'application/json')).map(([body, contentType]) => ({ contentType, body })), weight: 2 },
);
