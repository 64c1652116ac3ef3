// Bounds on what a source text may make the YAML library do, checked before the work they bound.
// The library composes documents recursively (a few thousand nested brackets overflow the stack,
// and an overflow inside it has even ended the process in a V8 regexp compilation), costs
// microseconds per value, and expands aliases without limit on the size they repeat: a 300 KB
// string anchored once and aliased 999 times is 300 MB of JSON once the value is built.
//   1. the lexer's tokens (a generator, stopped at the first excess): values and a nesting
//      estimate (open brackets + block indicators on one line), for hostile texts, in
//      microseconds;
//   2. the parser's token tree (built without recursion): the exact nesting, before composing;
//   3. the composed document (before toJS): the size of its JSON, aliases counted at the size
//      of what they repeat.
import { CST, Lexer, isAlias, isCollection, isPair, isScalar, type Document, type Node as YamlNode } from 'yaml';

/** How deeply collections may nest in a source (the validator's own limit, 256, sits below it). */
export const MAX_SOURCE_DEPTH = 300;
/** Values (scalars, aliases, collections) in one source: a large workflow has a few thousand; the YAML library spends ~5 µs on each, the validator as much again (100,000 held the API for ~1 s). */
export const MAX_SOURCE_VALUES = 20_000;
/** The JSON a document may expand to through its aliases. */
export const MAX_EXPANDED_BYTES = 4 * 1024 * 1024;

export interface Excess {
  /** Offset in the source text of the place that goes beyond the bound. */
  offset: number;
  message: string;
}

const VALUE_TOKENS = new Set(['scalar', 'single-quoted-scalar', 'double-quoted-scalar', 'alias', 'flow-map-start', 'flow-seq-start', 'seq-item-ind', 'explicit-key-ind']);
const BLOCK_INDICATORS = new Set(['seq-item-ind', 'explicit-key-ind', 'map-value-ind']);

/**
 * Step 1, on the lexer's tokens. The estimate of nesting is what one line can open (`- - - x`,
 * `[[[[`), which the parser would otherwise build slowly and the composer recurse into;
 * nesting by indentation needs a longer indent per level and is measured exactly in step 2.
 */
export function lexicalExcess(text: string): Excess | undefined {
  let offset = 0;
  let values = 0;
  let flow = 0;
  let onLine = 0;
  let scalarNext = false;
  for (const token of new Lexer().lex(text)) {
    const start = offset;
    const type: string | null = scalarNext ? 'scalar-source' : CST.tokenType(token);
    scalarNext = type === 'scalar';
    // The control tokens (document mode, scalar marker, flow error end) are not source text.
    if (type !== 'doc-mode' && type !== 'scalar' && type !== 'flow-error-end') offset += token.length;
    if (type === null || type === 'scalar-source') continue;
    if (VALUE_TOKENS.has(type) && ++values > MAX_SOURCE_VALUES) {
      return { offset: start, message: `the document has more than ${MAX_SOURCE_VALUES} values (the limit of a workflow document); split it into subflows` };
    }
    if (type === 'flow-map-start' || type === 'flow-seq-start') flow += 1;
    else if ((type === 'flow-map-end' || type === 'flow-seq-end') && flow > 0) flow -= 1;
    else if (type === 'newline' && flow === 0) onLine = 0;
    else if (BLOCK_INDICATORS.has(type) && flow === 0) onLine += 1;
    if (flow + onLine > MAX_SOURCE_DEPTH) return { offset: start, message: depthMessage() };
  }
  return undefined;
}

/** Step 2: the exact nesting of the parser's tokens, walked without recursion. */
export function nestingExcess(tokens: readonly CST.Token[]): Excess | undefined {
  const stack: Array<{ token: CST.Token | null | undefined; depth: number }> = tokens.map((token) => ({ token, depth: 0 }));
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { token, depth } = item;
    if (!token) continue;
    if (token.type === 'document') {
      stack.push({ token: token.value, depth });
      continue;
    }
    if (!CST.isCollection(token)) continue;
    if (depth + 1 > MAX_SOURCE_DEPTH) return { offset: token.offset, message: depthMessage() };
    for (const entry of token.items) stack.push({ token: entry.key, depth: depth + 1 }, { token: entry.value, depth: depth + 1 });
  }
  return undefined;
}

function depthMessage(): string {
  return `the document nests collections more than ${MAX_SOURCE_DEPTH} levels deep here; flatten it (move nested tasks into subflows or reusable functions)`;
}

interface Frame {
  node: unknown;
  children: unknown[];
  next: number;
  /** JSON bytes of the node so far (its own overhead, then its children's sizes). */
  size: number;
  /** Collections from the root down to this node included (pairs are not a level). */
  depth: number;
  collection: boolean;
  /** The deepest nesting among its children so far. */
  childHeight: number;
}

/** What an anchor's value is worth wherever an alias repeats it. */
interface Anchored {
  size: number;
  height: number;
}

/**
 * Step 3: the size and nesting of the document's JSON, aliases counted as what they repeat,
 * without building it. A post-order walk in document order: an anchor's value is complete before
 * any alias that can refer to it (a later one; an alias inside its own anchor is a cycle, which
 * nonJsonValues reports). Linear in the nodes of the text, whatever the aliases multiply. The
 * nesting counts too: an alias of a deep value placed deep nests deeper than either.
 */
export function expansionExcess(doc: Document.Parsed, maxBytes = MAX_EXPANDED_BYTES, maxDepth = MAX_SOURCE_DEPTH): Excess | undefined {
  const anchors = new Map<string, Anchored>();
  const frames: Frame[] = [];
  let total = 0;
  /** Counts a node met under a parent at `depth`: a leaf is added to the parent, a collection gets a frame. */
  const meet = (node: unknown, parent: Frame | undefined): Excess | undefined => {
    const depth = parent?.depth ?? 0;
    let leaf: Anchored | undefined;
    if (isAlias(node)) {
      leaf = anchors.get(node.source) ?? { size: 0, height: 0 };
      if (depth + leaf.height > maxDepth) return { offset: rangeStart(node), message: depthMessage() };
    } else if (isScalar(node)) {
      leaf = { size: scalarSize(node.value), height: 0 };
      if (node.anchor) anchors.set(node.anchor, leaf);
    } else if (isPair(node) || isCollection(node)) {
      const collection = !isPair(node);
      const size = collection ? 2 + Math.max(0, node.items.length - 1) : 1;
      const children = isPair(node) ? [node.key, node.value] : (node as { items: unknown[] }).items;
      frames.push({ node, children, next: 0, size, depth: depth + (collection ? 1 : 0), collection, childHeight: 0 });
      total += size;
    }
    if (leaf && parent) {
      parent.size += leaf.size;
      parent.childHeight = Math.max(parent.childHeight, leaf.height);
    }
    total += leaf?.size ?? 0;
    return total > maxBytes ? { offset: rangeStart(node), message: expansionMessage(maxBytes) } : undefined;
  };
  const excess = meet(doc.contents, undefined);
  if (excess) return excess;
  while (frames.length > 0) {
    const frame = frames[frames.length - 1]!;
    if (frame.next < frame.children.length) {
      const excess = meet(frame.children[frame.next++], frame);
      if (excess) return excess;
      continue;
    }
    frames.pop();
    const done: Anchored = { size: frame.size, height: frame.childHeight + (frame.collection ? 1 : 0) };
    const anchor = (frame.node as { anchor?: string }).anchor;
    if (anchor) anchors.set(anchor, done);
    const parent = frames[frames.length - 1];
    if (parent) {
      parent.size += done.size;
      parent.childHeight = Math.max(parent.childHeight, done.height);
    }
  }
  return undefined;
}

function scalarSize(value: unknown): number {
  if (typeof value === 'string') return value.length + 2;
  if (value === null || value === undefined) return 4;
  return String(value).length;
}

function expansionMessage(max: number): string {
  return `the document expands to more than ${max} bytes of JSON (the limit of a workflow document, counting every alias at the size of what it repeats); use fewer or smaller aliases`;
}

function rangeStart(node: unknown): number {
  const range = (node as YamlNode | null | undefined)?.range;
  return Array.isArray(range) ? range[0] : 0;
}
