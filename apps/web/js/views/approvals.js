// Approvals inbox: pending approvals (or another status) with approve / reject, a comment and the
// approval's form. The description (markdown) and the form (JSON Schema) are drawn by the renderers
// of the signed-link approval page (js/shared), so both show the same. Servers without the
// approvals API answer 404: the page says so instead of failing.
/* global document, FormData */
import { api } from '../api.js';
import { append, fromTree, h, mount } from '../dom.js';
import { markdownTree } from '../shared/markdown.js';
import { formData, formTree } from '../shared/schema-form.js';
import { problemText, shortId } from '../format.js';
import { emptyState, errorState, facts, loading, pageHeader, statusBadge, timeAgo, toast } from '../ui.js';

const STATUSES = ['pending', 'approved', 'rejected', 'timed_out', 'cancelled'];

export function renderApprovals(root, query) {
  const status = STATUSES.includes(query.get('status')) ? query.get('status') : 'pending';
  const runFilter = query.get('run') ?? '';
  const list = h('div', { class: 'approvals' }, loading());
  const select = h('select', { id: 'approval-status', onchange: () => (document.location.hash = `#/approvals?status=${select.value}`) }, STATUSES.map((s) => h('option', { value: s, selected: s === status }, s.replace('_', ' '))));

  const load = async () => {
    try {
      const page = await api('GET', '/api/v1/approvals', { query: { status, runId: runFilter, limit: 100 } });
      const items = page.items;
      if (items.length === 0) return mount(list, emptyState(status === 'pending' ? 'Nothing waits for a decision' : `No ${status.replace('_', ' ')} approvals`, runFilter ? 'for this run.' : ''));
      mount(list, items.map((a) => approvalCard(a, load)));
    } catch (error) {
      if (error.status === 404) return mount(list, emptyState('Approvals are not available', 'This Baton server has no approvals API (GET /api/v1/approvals answered 404). Upgrade the orchestrator to use the inbox.'));
      mount(list, errorState(error));
    }
  };
  mount(
    root,
    pageHeader('Approvals', h('div', { class: 'field inline' }, h('label', { for: 'approval-status' }, 'Status'), select), h('button', { class: 'button', type: 'button', onclick: () => void load() }, 'Refresh')),
    runFilter && h('p', { class: 'muted' }, 'Approvals of run ', h('a', { href: `#/runs/${encodeURIComponent(runFilter)}`, class: 'mono' }, shortId(runFilter)), ' · ', h('a', { href: '#/approvals' }, 'show all')),
    list,
  );
  void load();
}

function approvalCard(approval, reload) {
  const id = `approval-${approval.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return h(
    'article',
    { class: 'card approval', 'aria-labelledby': `${id}-title` },
    h('div', { class: 'run-title' }, h('h2', { id: `${id}-title` }, approval.title), statusBadge(approval.status)),
    approval.description && h('div', { class: 'description markdown' }, fromTree(markdownTree(approval.description, { topHeading: 3 }))),
    facts([
      ['Run', h('a', { href: `#/runs/${encodeURIComponent(approval.runId)}`, class: 'mono' }, `${approval.namespace}/${approval.workflow} · ${shortId(approval.runId)}`)],
      ['Task', approval.task],
      ['Approvers', `${approval.approvers.join(', ')}${approval.quorum > 1 ? ` (${approval.quorum} needed)` : ''}`],
      ['Level', approval.levels.length > 1 ? `${approval.level + 1} of ${approval.levels.length}` : undefined],
      ['Requested', timeAgo(approval.createdAt)],
      ['Deadline', approval.deadlineAt && timeAgo(approval.deadlineAt)],
    ]),
    approval.decisions.length > 0 && h('ul', { class: 'decisions' }, approval.decisions.map((d) => h('li', {}, h('strong', {}, d.approver), ` ${d.decision === 'approve' ? 'approved' : 'rejected'} `, timeAgo(d.decidedAt), d.comment && h('q', {}, d.comment)))),
    approval.status === 'pending' && decisionForm(approval, id, reload),
  );
}

function decisionForm(approval, id, reload) {
  const decided = new Set(approval.decisions.filter((d) => d.level === approval.level).map((d) => d.approver));
  const open = approval.approvers.filter((a) => !decided.has(a));
  const approver = open.length > 1 && h('select', { id: `${id}-approver`, name: 'approver' }, open.map((a) => h('option', { value: a }, a)));
  const comment = h('textarea', { id: `${id}-comment`, name: 'comment', rows: '2', maxlength: '5000', placeholder: 'Optional' });
  const fields = approval.form ? h('fieldset', { class: 'form-fields' }, h('legend', {}, approval.form.title ?? 'Details'), fromTree(formTree(approval.form, { idPrefix: `${id}-f-` }))) : undefined;
  const errors = h('div', { class: 'field-error', role: 'alert' });
  // Reject needs no form data: it skips the browser's checks of the fields (as on the link page).
  const buttons = [h('button', { class: 'button primary', type: 'submit', value: 'approve' }, 'Approve'), h('button', { class: 'button danger', type: 'submit', value: 'reject', formnovalidate: true }, 'Reject')];
  const onsubmit = async (event) => {
    event.preventDefault();
    const decision = event.submitter?.value === 'reject' ? 'reject' : 'approve';
    buttons.forEach((b) => (b.disabled = true));
    showErrors(form, errors, []);
    try {
      const data = fields && decision === 'approve' ? formData(approval.form, Object.fromEntries(new FormData(form))) : {};
      const body = {
        decision,
        ...(comment.value.trim() && { comment: comment.value.trim() }),
        ...(approver ? { approver: approver.value } : open.length === 1 ? { approver: open[0] } : {}),
        ...(Object.keys(data).length > 0 && { data }),
      };
      await api('POST', `/api/v1/approvals/${encodeURIComponent(approval.id)}/decision`, { body });
      toast(decision === 'approve' ? 'Approved' : 'Rejected', decision === 'approve' ? 'ok' : 'info');
      await reload();
    } catch (error) {
      showErrors(form, errors, error.problem?.problems ?? [], problemText(error.problem ?? error));
      buttons.forEach((b) => (b.disabled = false));
    }
  };
  const form = h(
    'form',
    { class: 'decision', onsubmit: (e) => void onsubmit(e) },
    fields,
    approver && h('div', { class: 'field' }, h('label', { for: `${id}-approver` }, 'On behalf of'), approver),
    h('div', { class: 'field grow' }, h('label', { for: `${id}-comment` }, 'Comment'), comment),
    errors,
    h('div', { class: 'form-actions' }, buttons),
  );
  return form;
}

/** The API's refusal under the form, and each field it names (`/body/data/<field>…`) marked invalid. */
function showErrors(form, box, problems, summary) {
  for (const field of form.querySelectorAll('[data-field]')) {
    field.querySelector('.field-problem')?.remove();
    field.querySelector('input, select, textarea')?.removeAttribute('aria-invalid');
  }
  box.replaceChildren();
  if (!summary) return;
  const unplaced = [];
  for (const problem of problems) {
    // `/body/data/<field>…`, or `/body/data` with "must have required property '<field>'".
    const pointed = /^\/(?:body\/)?data\/([^/]+)/.exec(problem.path ?? '')?.[1]?.replace(/~1/g, '/').replace(/~0/g, '~');
    const name = pointed ?? /required property '([^']+)'/.exec(problem.message ?? '')?.[1];
    const field = name !== undefined ? [...form.querySelectorAll('[data-field]')].find((f) => f.dataset.field === name) : undefined;
    if (!field) {
      unplaced.push(problem);
      continue;
    }
    field.querySelector('input, select, textarea')?.setAttribute('aria-invalid', 'true');
    field.append(h('span', { class: 'field-problem' }, problem.message));
  }
  append(box, [h('p', {}, summary), unplaced.length > 0 && h('ul', {}, unplaced.map((p) => h('li', {}, `${p.path ?? ''} ${p.message ?? ''}`.trim())))]);
}
