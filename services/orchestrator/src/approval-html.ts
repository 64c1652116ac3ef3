// The approval page's HTML: self-contained (inline CSS, no script, no external asset), every
// value escaped. The description is markdown rendered by a small, safe subset renderer (the
// text is escaped first, then a few constructs are turned into tags); the form is generated
// from the approval's JSON Schema.
import type { ApprovalRecord } from '@baton/core';
import { unsafeIntegerIssue } from './form-numbers.ts';
import { jsonValueIssue } from './storable.ts';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Inline markdown on already-escaped text: code, bold, italic, http(s)/mailto links. */
function inline(escaped: string): string {
  return escaped
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[\s(])[*_]([^*_\s][^*_]*)[*_]/g, '$1<em>$2</em>')
    .replace(/\[([^\]]+)\]\(((?:https?:\/\/|mailto:)[^\s)"]+)\)/g, '<a href="$2" rel="noopener noreferrer">$1</a>');
}

/** Markdown (headings, paragraphs, lists, fenced code, inline marks) to HTML. Raw HTML is shown as text. */
export function renderMarkdown(markdown: string): string {
  const out: string[] = [];
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  let paragraph: string[] = [];
  let list: { tag: 'ul' | 'ol'; items: string[] } | undefined;
  const flush = () => {
    if (paragraph.length > 0) out.push(`<p>${inline(escapeHtml(paragraph.join(' ')))}</p>`);
    paragraph = [];
    if (list) out.push(`<${list.tag}>${list.items.map((i) => `<li>${inline(escapeHtml(i))}</li>`).join('')}</${list.tag}>`);
    list = undefined;
  };
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (line.startsWith('```')) {
      flush();
      const code: string[] = [];
      for (i += 1; i < lines.length && !lines[i]!.startsWith('```'); i += 1) code.push(lines[i]!);
      out.push(`<pre><code>${escapeHtml(code.join('\n'))}</code></pre>`);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      const level = Math.min(6, heading[1]!.length + 1); // the page's title is the h1
      out.push(`<h${level}>${inline(escapeHtml(heading[2]!))}</h${level}>`);
    } else if (bullet || numbered) {
      const tag = bullet ? 'ul' : 'ol';
      if (paragraph.length > 0 || (list && list.tag !== tag)) flush();
      list ??= { tag, items: [] };
      list.items.push((bullet ?? numbered)![1]!);
    } else if (line.trim() === '') {
      flush();
    } else {
      if (list) flush();
      paragraph.push(line.trim());
    }
  }
  flush();
  return out.join('\n');
}

type Schema = Record<string, any>;

/** One input per top-level property of the form schema; values as submitted are kept on a re-render. */
export function renderForm(form: Schema | undefined, values: Record<string, string> = {}): string {
  const properties: Record<string, Schema> = form && typeof form.properties === 'object' ? form.properties : {};
  const required = new Set<string>(Array.isArray(form?.required) ? form.required : []);
  return Object.entries(properties)
    .map(([name, schema]) => {
      const id = `f-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
      const field = `f.${name}`;
      const label = `<label for="${escapeHtml(id)}">${escapeHtml(String(schema.title ?? name))}${required.has(name) ? ' <span class="req">*</span>' : ''}</label>`;
      const help = schema.description ? `<small>${escapeHtml(String(schema.description))}</small>` : '';
      const value = values[field];
      const attrs = `id="${escapeHtml(id)}" name="${escapeHtml(field)}"${required.has(name) && schema.type !== 'boolean' ? ' required' : ''}`;
      let input: string;
      if (Array.isArray(schema.enum)) {
        const options = schema.enum.map((v: unknown) => `<option value="${escapeHtml(String(v))}"${value === String(v) ? ' selected' : ''}>${escapeHtml(String(v))}</option>`).join('');
        input = `<select ${attrs}><option value=""></option>${options}</select>`;
      } else if (schema.type === 'boolean') {
        input = `<input type="checkbox" ${attrs}${value === 'on' ? ' checked' : ''}>`;
      } else if (schema.type === 'number' || schema.type === 'integer') {
        const bounds = `${schema.minimum !== undefined ? ` min="${Number(schema.minimum)}"` : ''}${schema.maximum !== undefined ? ` max="${Number(schema.maximum)}"` : ''}`;
        input = `<input type="number" step="${schema.type === 'integer' ? '1' : 'any'}"${bounds} ${attrs} value="${escapeHtml(value ?? '')}">`;
      } else if (schema.type === 'string' || schema.type === undefined) {
        const type = schema.format === 'email' ? 'email' : schema.format === 'date' ? 'date' : 'text';
        input = schema.maxLength !== undefined && schema.maxLength <= 200
          ? `<input type="${type}" maxlength="${Number(schema.maxLength)}" ${attrs} value="${escapeHtml(value ?? '')}">`
          : `<input type="${type}" ${attrs} value="${escapeHtml(value ?? '')}">`;
      } else {
        input = `<textarea ${attrs} placeholder="JSON">${escapeHtml(value ?? '')}</textarea>`;
      }
      return `<div class="field">${label}${input}${help}</div>`;
    })
    .join('\n');
}

/**
 * Form fields (`f.<name>`) to data typed by the schema; empty fields are left out. `errors` names
 * the fields whose text is a number JSON cannot hold exactly (1e400; an integer beyond ±(2^53 − 1)
 * in an integer field) or JSON nested too deeply: refused here, as the API refuses them.
 */
export function formValues(form: Schema | undefined, fields: Record<string, string>): { data: Record<string, unknown>; errors: string[] } {
  const properties: Record<string, Schema> = form && typeof form.properties === 'object' ? form.properties : {};
  const data: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const [name, schema] of Object.entries(properties)) {
    const raw = fields[`f.${name}`];
    if (schema.type === 'boolean') {
      data[name] = raw === 'on' || raw === 'true';
      continue;
    }
    if (raw === undefined || raw === '') continue;
    const value = fieldValue(schema, raw);
    const issue = jsonValueIssue(value) ?? unsafeIntegerIssue(schema, value);
    if (issue) errors.push(`${[name, ...issue.path].join('.')}: ${issue.message}`);
    else data[name] = value;
  }
  return { data, errors };
}

function fieldValue(schema: Schema, raw: string): unknown {
  if (schema.type === 'number' || schema.type === 'integer') return Number.isNaN(Number(raw)) ? raw : Number(raw);
  if (schema.type === 'object' || schema.type === 'array') {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return raw;
    }
  }
  return raw;
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
h1{font-size:1.5rem}.meta{color:#5b6475;font-size:.9rem}.box{border:1px solid #d7dbe3;border-radius:8px;padding:1rem;margin:1rem 0}
.field{margin:.8rem 0}.field label{display:block;font-weight:600}.field small{display:block;color:#5b6475}
input[type=text],input[type=email],input[type=number],input[type=date],select,textarea{width:100%;padding:.4rem;box-sizing:border-box}
textarea{min-height:4rem}.req{color:#b42318}.errors{color:#b42318}.actions{display:flex;gap:.8rem;margin-top:1rem}
button{padding:.6rem 1.2rem;border-radius:6px;border:0;font-size:1rem;cursor:pointer}
.approve{background:#1a7f37;color:#fff}.reject{background:#b42318;color:#fff}pre{background:#f3f4f7;padding:.6rem;overflow:auto}`;

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>${body}</body></html>`;
}

export function messagePage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p id="message">${escapeHtml(message)}</p>`);
}

export function approvalPage(approval: ApprovalRecord, approver: string, options: { values?: Record<string, string>; errors?: string[]; comment?: string } = {}): string {
  const level = approval.spec.levels[approval.level]!;
  const deadline = approval.deadlineAt !== undefined ? ` · decide before ${new Date(approval.deadlineAt).toUTCString()}` : '';
  const errors = options.errors?.length ? `<div class="errors" id="errors"><p>Please correct:</p><ul>${options.errors.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul></div>` : '';
  const body = `<h1>${escapeHtml(approval.spec.title)}</h1>
<p class="meta">Requested by workflow <b>${escapeHtml(approval.namespace)}/${escapeHtml(approval.workflowName)}</b>, step <b>${escapeHtml(approval.taskName)}</b> · you decide as <b>${escapeHtml(approver)}</b> · ${level.quorum} of ${level.approvers.length} approval(s) needed${escapeHtml(deadline)}</p>
${approval.spec.description ? `<div class="box description">${renderMarkdown(approval.spec.description)}</div>` : ''}
${errors}
<form method="post">
${renderForm(approval.spec.form, options.values)}
<div class="field"><label for="comment">Comment</label><textarea id="comment" name="comment">${escapeHtml(options.comment ?? '')}</textarea></div>
<div class="actions"><button class="approve" type="submit" name="decision" value="approve">Approve</button>
<button class="reject" type="submit" name="decision" value="reject" formnovalidate>Reject</button></div>
</form>`;
  return page(approval.spec.title, body);
}
