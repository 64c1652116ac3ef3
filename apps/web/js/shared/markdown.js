// A small, safe markdown subset as a markup tree (tree.js): headings, paragraphs, bullet and
// numbered lists, fenced code, and inline code, bold, italic and http(s)/mailto links. Raw HTML
// stays text. One renderer for the approval descriptions of the signed-link page (orchestrator)
// and of the dashboard's inbox.
import { safeHref } from './tree.js';

const INLINE = [
  { kind: 'code', re: /`([^`]+)`/ },
  { kind: 'strong', re: /\*\*([^*]+)\*\*/ },
  { kind: 'em', re: /(^|[\s(])[*_]([^*_\s][^*_]*)[*_]/ },
  { kind: 'link', re: /\[([^\]]+)\]\(((?:https?:\/\/|mailto:)[^\s)"]+)\)/ },
];

/** Inline marks of one line of text: the earliest match first, its inner text parsed again (not code). */
export function inlineTree(text) {
  const out = [];
  let rest = text;
  while (rest.length > 0) {
    let best;
    for (const rule of INLINE) {
      const match = rule.re.exec(rest);
      if (match && (best === undefined || match.index < best.match.index)) best = { rule, match };
    }
    if (!best) {
      out.push(rest);
      break;
    }
    const { rule, match } = best;
    let start = match.index;
    let node;
    if (rule.kind === 'code') node = { tag: 'code', children: [match[1]] };
    else if (rule.kind === 'strong') node = { tag: 'strong', children: inlineTree(match[1]) };
    else if (rule.kind === 'em') {
      start += match[1].length; // the space or parenthesis before the mark stays text
      node = { tag: 'em', children: inlineTree(match[2]) };
    } else {
      const href = safeHref(match[2]);
      node = href ? { tag: 'a', attrs: { href, rel: 'noopener noreferrer' }, children: inlineTree(match[1]) } : match[0];
    }
    if (start > 0) out.push(rest.slice(0, start));
    out.push(node);
    rest = rest.slice(match.index + match[0].length);
  }
  return mergeText(out);
}

function mergeText(nodes) {
  const out = [];
  for (const node of nodes) {
    if (typeof node === 'string' && typeof out[out.length - 1] === 'string') out[out.length - 1] += node;
    else out.push(node);
  }
  return out;
}

/**
 * Markdown to a tree. `topHeading` is the level of a `#` heading (the page around it has its own
 * title above): 2 on the approval page, 3 in an inbox card. Levels stop at 6.
 */
export function markdownTree(markdown, { topHeading = 2 } = {}) {
  const out = [];
  const lines = String(markdown).replace(/\r\n?/g, '\n').split('\n');
  let paragraph = [];
  let list;
  const flush = () => {
    if (paragraph.length > 0) out.push({ tag: 'p', children: inlineTree(paragraph.join(' ')) });
    paragraph = [];
    if (list) out.push({ tag: list.tag, children: list.items.map((item) => ({ tag: 'li', children: inlineTree(item) })) });
    list = undefined;
  };
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    if (line.startsWith('```')) {
      flush();
      const code = [];
      for (i += 1; i < lines.length && !lines[i].startsWith('```'); i += 1) code.push(lines[i]);
      out.push({ tag: 'pre', children: [{ tag: 'code', children: [code.join('\n')] }] });
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      const level = Math.min(6, heading[1].length + topHeading - 1);
      out.push({ tag: `h${level}`, children: inlineTree(heading[2]) });
    } else if (bullet || numbered) {
      const tag = bullet ? 'ul' : 'ol';
      if (paragraph.length > 0 || (list && list.tag !== tag)) flush();
      list ??= { tag, items: [] };
      list.items.push((bullet ?? numbered)[1]);
    } else if (line.trim() === '') {
      flush();
    } else {
      if (list) flush();
      paragraph.push(line.trim());
    }
  }
  flush();
  return out;
}
