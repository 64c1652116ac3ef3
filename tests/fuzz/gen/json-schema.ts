// Values for a JSON Schema (the subset /openapi.json uses: objects, strings with enum, length and
// pattern, integers with bounds, $ref), with hints that make a member valid-looking for Baton
// (a namespace that exists, a run id of a fixture) — then mutated: a required member dropped,
// an unknown one added, a member of the wrong type or a hostile value.
import fc from 'fast-check';
import { anyJson, anyNumber, anyString, nastyString } from './hostile.ts';

export type Schema = Record<string, any>;

/** Generators for members by name, where the schema alone would make values Baton never stores. */
export type Hints = Record<string, fc.Arbitrary<unknown>>;

export function valueOf(schema: Schema | undefined, components: Record<string, Schema>, hints: Hints, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 6) return anyJson;
  if (typeof schema.$ref === 'string') return valueOf(components[schema.$ref.split('/').pop()!], components, hints, depth + 1);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if (schema.const !== undefined) return fc.constant(schema.const);
  const alternatives = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((s) => valueOf(s, components, hints, depth + 1)));
  switch (schema.type) {
    case 'string':
      return stringOf(schema);
    case 'integer':
      return fc.integer({ min: Math.max(schema.minimum ?? -1000, Number.MIN_SAFE_INTEGER), max: Math.min(schema.maximum ?? 1_000_000, Number.MAX_SAFE_INTEGER) });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(valueOf(schema.items, components, hints, depth + 1), { maxLength: 4 });
    case 'object':
      return objectOf(schema, components, hints, depth);
    default:
      return anyJson;
  }
}

function stringOf(schema: Schema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = Math.max(min, Math.min(schema.maxLength ?? 40, 40));
  if (typeof schema.pattern === 'string') return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= min && s.length <= (schema.maxLength ?? Infinity));
  return fc.string({ minLength: min, maxLength: max });
}

function objectOf(schema: Schema, components: Record<string, Schema>, hints: Hints, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set<string>((schema.required as string[] | undefined) ?? []);
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, member] of Object.entries(properties)) record[name] = hints[name] ?? valueOf(member, components, hints, depth + 1);
  const names = Object.keys(record);
  if (names.length === 0) return fc.dictionary(anyString, anyJson, { maxKeys: 3 });
  return fc.record(record, { requiredKeys: names.filter((name) => required.has(name)) });
}

/** A body for a schema: valid-looking most of the time, else mutated one way. */
export function mutatedValueOf(schema: Schema | undefined, components: Record<string, Schema>, hints: Hints): fc.Arbitrary<unknown> {
  const valid = valueOf(schema, components, hints);
  const required = ((schema?.required as string[] | undefined) ?? []);
  return fc.oneof(
    { arbitrary: valid, weight: 6 },
    { arbitrary: fc.tuple(valid, fc.constantFrom(...(required.length ? required : ['x']))).map(([v, name]) => without(v, name)), weight: 1 },
    { arbitrary: fc.tuple(valid, anyString, anyJson).map(([v, name, value]) => (isObject(v) ? { ...v, [name]: value } : v)), weight: 1 },
    { arbitrary: fc.tuple(valid, fc.nat(), fc.oneof(anyJson, nastyString, anyNumber)).map(([v, at, value]) => replaceMember(v, at, value)), weight: 3 },
    { arbitrary: anyJson, weight: 1 },
  );
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function without(value: unknown, name: string): unknown {
  if (!isObject(value)) return value;
  const copy = { ...value };
  delete copy[name];
  return copy;
}

function replaceMember(value: unknown, at: number, replacement: unknown): unknown {
  if (!isObject(value)) return replacement;
  const names = Object.keys(value);
  if (names.length === 0) return { x: replacement };
  return { ...value, [names[at % names.length]!]: replacement };
}
