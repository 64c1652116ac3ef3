// Parameter values → their text on the wire, by the parameter's definition: OpenAPI 3 `style` /
// `explode` (path: simple, label, matrix; query: form, spaceDelimited, pipeDelimited,
// deepObject; header: simple; cookie: form) and Swagger 2.0 `collectionFormat` (csv, ssv, tsv,
// pipes, multi). A parameter defined by `content` (OpenAPI 3) is sent as JSON.
import type { Node } from './document.ts';

export type Location = 'path' | 'query' | 'header' | 'cookie';

/** One value of a parameter as text: objects (where a style has no rule for them) as JSON. */
function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

interface Shape {
  kind: 'primitive' | 'array' | 'object';
  items: string[];
  entries: Array<[string, string]>;
}

function shape(value: unknown): Shape {
  if (Array.isArray(value)) return { kind: 'array', items: value.map(text), entries: [] };
  if (value !== null && typeof value === 'object') return { kind: 'object', items: [], entries: Object.entries(value).map(([k, v]) => [k, text(v)]) };
  return { kind: 'primitive', items: [text(value)], entries: [] };
}

const COLLECTION_SEPARATORS: Record<string, string> = { csv: ',', ssv: ' ', tsv: '\t', pipes: '|' };

/** How the definition wants the value written: OpenAPI 3 style/explode, or Swagger 2.0's collectionFormat. */
interface Rule {
  style: string;
  explode: boolean;
  /** Swagger 2.0 arrays: the separator, or `multi` (query and formData: the name repeated). */
  collection?: string;
  json: boolean;
}

const DEFAULT_STYLES: Record<Location, string> = { path: 'simple', query: 'form', header: 'simple', cookie: 'form' };

export function ruleOf(definition: Node, location: Location, swagger: boolean): Rule {
  if (swagger) {
    const collection = definition.type === 'array' ? String(definition.collectionFormat ?? 'csv') : undefined;
    return { style: DEFAULT_STYLES[location], explode: false, ...(collection ? { collection } : {}), json: false };
  }
  const style = typeof definition.style === 'string' ? definition.style : DEFAULT_STYLES[location];
  const explode = typeof definition.explode === 'boolean' ? definition.explode : style === 'form';
  return { style, explode, json: definition.content !== undefined && definition.schema === undefined };
}

/** Swagger 2.0 arrays joined by their collectionFormat (`multi` only where the name can repeat). */
function joined(items: string[], rule: Rule): string {
  return items.join(COLLECTION_SEPARATORS[rule.collection ?? 'csv'] ?? ',');
}

/** The path segment text (percent-encoded) that replaces `{name}`. */
export function pathValue(name: string, value: unknown, rule: Rule): string {
  const e = encodeURIComponent;
  if (rule.json) return e(JSON.stringify(value));
  const v = shape(value);
  if (rule.collection !== undefined && v.kind === 'array') return v.items.map(e).join(e(COLLECTION_SEPARATORS[rule.collection] ?? ','));
  const pairs = (sep: string, inner: string) => v.entries.map(([k, x]) => `${e(k)}${inner}${e(x)}`).join(sep);
  const flat = (sep: string) => v.entries.flatMap(([k, x]) => [e(k), e(x)]).join(sep);
  switch (rule.style) {
    case 'label': {
      if (v.kind === 'primitive') return `.${e(v.items[0]!)}`;
      if (v.kind === 'array') return `.${v.items.map(e).join(rule.explode ? '.' : ',')}`;
      return `.${rule.explode ? pairs('.', '=') : flat(',')}`;
    }
    case 'matrix': {
      if (v.kind === 'primitive') return `;${e(name)}=${e(v.items[0]!)}`;
      if (v.kind === 'array') return rule.explode ? v.items.map((i) => `;${e(name)}=${e(i)}`).join('') : `;${e(name)}=${v.items.map(e).join(',')}`;
      return rule.explode ? v.entries.map(([k, x]) => `;${e(k)}=${e(x)}`).join('') : `;${e(name)}=${flat(',')}`;
    }
    default: {
      if (v.kind === 'primitive') return e(v.items[0]!);
      if (v.kind === 'array') return v.items.map(e).join(',');
      return rule.explode ? pairs(',', '=') : flat(',');
    }
  }
}

/** Query pairs, not yet encoded (URLSearchParams encodes them). */
export function queryPairs(name: string, value: unknown, rule: Rule): Array<[string, string]> {
  if (rule.json) return [[name, JSON.stringify(value)]];
  const v = shape(value);
  if (rule.collection !== undefined && v.kind === 'array') return rule.collection === 'multi' ? v.items.map((i) => [name, i]) : [[name, joined(v.items, rule)]];
  if (v.kind === 'primitive') return [[name, v.items[0]!]];
  if (rule.style === 'deepObject' && v.kind === 'object') return v.entries.map(([k, x]) => [`${name}[${k}]`, x]);
  if (v.kind === 'array') {
    if (rule.explode) return v.items.map((i) => [name, i]);
    const separator = rule.style === 'spaceDelimited' ? ' ' : rule.style === 'pipeDelimited' ? '|' : ',';
    return [[name, v.items.join(separator)]];
  }
  return rule.explode ? v.entries : [[name, v.entries.flat().join(',')]];
}

/** A header's value (style simple). */
export function headerValue(value: unknown, rule: Rule): string {
  if (rule.json) return JSON.stringify(value);
  const v = shape(value);
  if (v.kind === 'primitive') return v.items[0]!;
  if (v.kind === 'array') return rule.collection !== undefined ? joined(v.items, rule) : v.items.join(',');
  return rule.explode ? v.entries.map(([k, x]) => `${k}=${x}`).join(',') : v.entries.flat().join(',');
}

/** A `name=value` pair of the Cookie header (style form; arrays and objects comma-separated). */
export function cookiePair(name: string, value: unknown, rule: Rule): string {
  if (rule.json) return `${name}=${encodeURIComponent(JSON.stringify(value))}`;
  const v = shape(value);
  const raw = v.kind === 'primitive' ? v.items[0]! : v.kind === 'array' ? v.items.join(',') : v.entries.flat().join(',');
  return `${name}=${encodeURIComponent(raw)}`;
}
