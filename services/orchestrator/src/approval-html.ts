// The approval page's HTML: self-contained (inline CSS, no script, no external asset), every
// value escaped. The description (markdown) and the form (from the approval's JSON Schema) come
// from the renderers the dashboard's inbox uses too (apps/web/js/shared: one markup tree, written
// here as HTML text, there as DOM nodes).
import type { ApprovalRecord } from '@baton/core';
import { markdownTree } from '../../../apps/web/js/shared/markdown.js';
import { formData, formProperties, formTree } from '../../../apps/web/js/shared/schema-form.js';
import { escapeHtml, toHtml } from '../../../apps/web/js/shared/tree.js';
import { unsafeIntegerIssue } from './form-numbers.ts';
import { jsonValueIssue } from './storable.ts';

export { escapeHtml };

type Schema = Record<string, any>;

/** Markdown (headings, paragraphs, lists, fenced code, inline marks) to HTML. Raw HTML is shown as text. */
export function renderMarkdown(markdown: string): string {
  return toHtml(markdownTree(markdown, { topHeading: 2 })); // the page's title is the h1
}

/** One input per top-level property of the form schema; values as submitted are kept on a re-render. */
export function renderForm(form: Schema | undefined, values: Record<string, string> = {}): string {
  return toHtml(formTree(form, { values, idPrefix: 'f-' }));
}

/**
 * Form fields (`f.<name>`) to data typed by the schema; empty fields are left out. `errors` names
 * the fields whose text is a number JSON cannot hold exactly (1e400; an integer beyond ±(2^53 − 1)
 * in an integer field) or JSON nested too deeply: refused here, as the API refuses them.
 */
export function formValues(form: Schema | undefined, fields: Record<string, string>): { data: Record<string, unknown>; errors: string[] } {
  const schemas = new Map(formProperties(form).properties);
  const data: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const [name, value] of Object.entries(formData(form, fields))) {
    const issue = jsonValueIssue(value) ?? unsafeIntegerIssue(schemas.get(name), value);
    if (issue) errors.push(`${[name, ...issue.path].join('.')}: ${issue.message}`);
    else data[name] = value;
  }
  return { data, errors };
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
