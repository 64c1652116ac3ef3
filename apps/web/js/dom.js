// Building DOM nodes without HTML strings. Every string becomes a text node or an attribute value
// (never markup), so run inputs, outputs, names and event data — all untrusted — cannot inject
// elements or scripts. Nothing in the dashboard assigns innerHTML.
/* global document */
import { treeAttributes, treeTag } from './shared/tree.js';

/**
 * h('a', { href: '#/runs', class: 'link', onclick: fn }, 'text', child, [more])
 * Props: `class`, `on<event>` handlers, boolean props (true → attribute present), other attributes.
 * Children: strings/numbers (text), nodes, arrays, null/undefined/false (skipped).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'value') el.value = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replace an element's content. */
export function mount(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}


/** DOM nodes of a markup tree (js/shared/tree.js: the markdown and form renderers' output). */
export function fromTree(nodes) {
  return [nodes].flat(Infinity).filter((n) => n !== undefined && n !== null && n !== false).map((node) => {
    if (typeof node !== 'object') return document.createTextNode(String(node));
    const el = document.createElement(treeTag(node.tag));
    for (const [name, value] of treeAttributes(node.attrs)) el.setAttribute(name, value);
    el.append(...fromTree(node.children ?? []));
    return el;
  });
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Like h(), for SVG elements (attributes only; text children become text nodes). */
export function s(tag, props = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}
