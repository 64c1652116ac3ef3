// A markup tree: the one output of the shared renderers (markdown.js, schema-form.js), turned into
// DOM nodes by the dashboard (dom.js fromTree) and into HTML text by the orchestrator's approval
// page (toHtml). A node is a string (text) or { tag, attrs?, children? }. Text is never markup:
// toHtml escapes every string and attribute value, and the DOM builder makes text nodes.
// Pure ES module without dependencies: it runs in the browser and in Node.

/** Elements a tree may hold; anything else is refused, so a tree can only ever draw these. */
export const TREE_TAGS = new Set(['p', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'pre', 'code', 'strong', 'em', 'a', 'div', 'label', 'span', 'small', 'input', 'select', 'option', 'textarea']);
const VOID = new Set(['input']);
const URL_ATTRIBUTES = new Set(['href']);

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** Only http(s) and mailto links are kept (no javascript:, data:, relative URLs). */
export function safeHref(href) {
  return typeof href === 'string' && /^(?:https?:\/\/|mailto:)[^\s"<>]+$/i.test(href) ? href : undefined;
}

function checkTag(tag) {
  if (!TREE_TAGS.has(tag)) throw new Error(`a markup tree cannot hold <${tag}>`);
  return tag;
}

/** Attribute entries [name, value, bare] to write: false/undefined/null dropped, true bare (value ''), unsafe URLs dropped. */
export function treeAttributes(attrs = {}) {
  const out = [];
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (!/^[a-z][a-z0-9-]*$/.test(name) || name.startsWith('on') || name === 'style') continue;
    if (URL_ATTRIBUTES.has(name) && safeHref(value) === undefined) continue;
    out.push([name, value === true ? '' : String(value), value === true]);
  }
  return out;
}

/** The tree as HTML text, every value escaped. */
export function toHtml(nodes) {
  return [nodes].flat(Infinity).map(nodeHtml).join('');
}

function nodeHtml(node) {
  if (node === undefined || node === null || node === false) return '';
  if (typeof node !== 'object') return escapeHtml(node);
  const tag = checkTag(node.tag);
  const attrs = treeAttributes(node.attrs).map(([name, value, bare]) => (bare ? ` ${name}` : ` ${name}="${escapeHtml(value)}"`)).join('');
  if (VOID.has(tag)) return `<${tag}${attrs}>`;
  return `<${tag}${attrs}>${toHtml(node.children ?? [])}</${tag}>`;
}

export { checkTag as treeTag };
