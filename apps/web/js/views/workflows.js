// Workflows: the registered definitions; one definition's YAML source and a form that starts a run.
/* global document, URLSearchParams */
import { api, workflowPath } from '../api.js';
import { h, mount } from '../dom.js';
import { parseJsonInput, prettyJson, problemText } from '../format.js';
import { emptyState, errorState, loading, pageHeader, timeAgo, toast } from '../ui.js';

export function renderWorkflows(root) {
  const list = h('div', { class: 'card table-card' }, loading());
  const state = { items: [], nextCursor: undefined };
  const load = async (append) => {
    try {
      const page = await api('GET', '/api/v1/workflows', { query: { limit: 50, cursor: append ? state.nextCursor : undefined } });
      state.items = append ? [...state.items, ...page.items] : page.items;
      state.nextCursor = page.nextCursor;
      if (state.items.length === 0) return mount(list, emptyState('No workflows registered', 'Register one with `npx baton apply -f examples/hello.yaml`.'));
      const more = state.nextCursor && h('button', { class: 'button', onclick: () => void load(true) }, 'Load more');
      mount(list, workflowsTable(state.items), h('div', { class: 'table-footer' }, h('span', { class: 'muted' }, `${state.items.length} shown`), more));
    } catch (error) {
      mount(list, errorState(error));
    }
  };
  mount(root, pageHeader('Workflows'), list);
  void load(false);
}

function workflowsTable(items) {
  return h(
    'table',
    { class: 'table' },
    h('caption', { class: 'visually-hidden' }, 'Workflow definitions'),
    h('thead', {}, h('tr', {}, ['Workflow', 'Version', 'Registered', ''].map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      items.map((d) => {
        const href = `#/workflows/${[d.namespace, d.name, d.version].map(encodeURIComponent).join('/')}`;
        return h(
          'tr',
          {},
          h('td', {}, h('a', { href, class: 'strong' }, `${d.namespace}/${d.name}`)),
          h('td', { class: 'mono' }, d.version),
          h('td', {}, timeAgo(d.createdAt)),
          h('td', { class: 'align-end' }, h('a', { href: `#/runs?${new URLSearchParams({ namespace: d.namespace, name: d.name })}` }, 'Runs')),
        );
      }),
    ),
  );
}

export function renderWorkflow(root, namespace, name, version) {
  const source = h('div', {}, loading());
  const title = `${namespace}/${name}`;
  mount(
    root,
    h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/workflows' }, 'Workflows'), ' / ', title),
    pageHeader(h('span', {}, title, h('span', { class: 'version' }, version ?? 'latest')), h('a', { class: 'button ghost', href: `#/runs?${new URLSearchParams({ namespace, name })}` }, 'Runs of this workflow')),
    h('div', { class: 'split' }, h('section', { class: 'card', 'aria-labelledby': 'source-title' }, h('h2', { id: 'source-title' }, 'Definition'), source), startForm(namespace, name, version)),
  );
  api('GET', workflowPath(namespace, name, version), { accept: 'application/yaml' }).then(
    (text) => mount(source, h('pre', { class: 'code source', tabindex: '0', 'aria-label': 'Definition source' }, h('code', {}, readableSource(text)))),
    (error) => mount(source, errorState(error)),
  );
}

/** The source as registered: YAML as is, JSON (often one line) indented. */
function readableSource(text) {
  if (typeof text !== 'string') return prettyJson(text);
  const parsed = parseJsonInput(text);
  return parsed.ok && text.trim() !== '' ? prettyJson(parsed.value) : text;
}

function startForm(namespace, name, version) {
  const input = h('textarea', { id: 'run-input', class: 'editor', rows: '8', spellcheck: 'false', 'aria-describedby': 'run-input-help run-input-error', value: '{\n  \n}' });
  const error = h('p', { id: 'run-input-error', class: 'field-error', role: 'alert' });
  const submit = h('button', { class: 'button primary', type: 'submit' }, 'Start run');
  const validate = () => {
    const parsed = parseJsonInput(input.value);
    error.textContent = parsed.ok ? '' : `Not valid JSON: ${parsed.error}`;
    input.setAttribute('aria-invalid', String(!parsed.ok));
    submit.disabled = !parsed.ok;
    return parsed;
  };
  input.addEventListener('input', validate);
  const onsubmit = async (event) => {
    event.preventDefault();
    const parsed = validate();
    if (!parsed.ok) return;
    submit.disabled = true;
    try {
      const run = await api('POST', '/api/v1/runs', { body: { namespace, name, ...(version ? { version } : {}), input: parsed.value } });
      document.location.hash = `#/runs/${encodeURIComponent(run.id)}`;
    } catch (failure) {
      error.textContent = problemText(failure.problem);
      submit.disabled = false;
    }
  };
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'start-title' },
    h('h2', { id: 'start-title' }, 'Start a run'),
    h(
      'form',
      { onsubmit: (e) => void onsubmit(e).catch((x) => toast(String(x), 'bad')) },
      h('label', { for: 'run-input' }, 'Input (JSON)'),
      input,
      h('p', { id: 'run-input-help', class: 'muted small' }, 'The workflow input: a JSON value, usually an object. Empty means {}.'),
      error,
      h('div', { class: 'form-actions' }, submit),
    ),
  );
}
