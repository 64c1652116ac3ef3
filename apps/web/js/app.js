// The dashboard shell: hash routes (#/runs, #/runs/ID[/graph|/timeline], #/workflows[/NS/NAME/VERSION], #/schedules[/ID], #/approvals, #/system),
// the navigation, and the API key dialog. Pages render into <main>; leaving a page stops its timers.
/* global document, window, URLSearchParams */
import { ApiError, api, settings } from './api.js';
import { h, mount } from './dom.js';
import { problemText } from './format.js';
import { emptyState } from './ui.js';
import { renderApprovals } from './views/approvals.js';
import { renderRun } from './views/run.js';
import { renderRuns } from './views/runs.js';
import { renderSchedule, renderSchedules } from './views/schedules.js';
import { renderSystem } from './views/system.js';
import { renderWorkflow, renderWorkflows } from './views/workflows.js';

const main = document.getElementById('main');
const dialog = document.getElementById('key-dialog');

/**
 * The pages: the first route whose section matches (and `when`, if given) draws into <main>. A page
 * returns nothing, a function that stops it, or { leave(), reroute(parts, query) → boolean } to
 * take a new hash of its own without being drawn again (the run page's tabs). A new page (e.g.
 * schedules) is one entry here and one link in index.html's navigation.
 */
const ROUTES = [
  { section: 'runs', when: (parts) => parts.length >= 2, render: (parts) => renderRun(main, parts[1], parts[2]) },
  { section: 'runs', render: (_parts, query) => renderRuns(main, query) },
  { section: 'workflows', when: (parts) => parts.length >= 3, render: (parts) => renderWorkflow(main, parts[1], parts[2], parts[3]) },
  { section: 'workflows', render: () => renderWorkflows(main) },
  { section: 'schedules', when: (parts) => parts.length >= 2, render: (parts) => renderSchedule(main, parts[1]) },
  { section: 'schedules', render: (_parts, query) => renderSchedules(main, query) },
  { section: 'approvals', render: (_parts, query) => renderApprovals(main, query) },
  { section: 'system', render: () => renderSystem(main) },
];

let page;

function route() {
  const [path, search = ''] = window.location.hash.replace(/^#/, '').split('?');
  const query = new URLSearchParams(search);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const section = parts[0] ?? 'runs';
  if (settings.apiKey && page?.reroute?.(parts.length > 0 ? parts : ['runs'], query)) return;
  page?.leave?.();
  page = undefined;
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (link.dataset.nav === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (!settings.apiKey) {
    mount(main, emptyState('Enter an API key to start', 'The dashboard reads Baton through its API. ', h('button', { class: 'button primary', onclick: openKeyDialog }, 'Enter API key')));
    openKeyDialog();
    return;
  }
  const target = ROUTES.find((r) => r.section === section && (!r.when || r.when(parts)));
  const shown = target ? target.render(parts, query) : mount(main, emptyState('Page not found', h('a', { href: '#/runs' }, 'Go to the runs')));
  page = typeof shown === 'function' ? { leave: shown } : shown && typeof shown.leave === 'function' ? shown : undefined;
  document.title = `${section[0].toUpperCase()}${section.slice(1)} · Baton`;
  // Keyboard and screen-reader users start on the new page, not on the link they left (the
  // heading of some pages arrives later, with their data; <main> is there at once).
  if (routed) main.focus({ preventScroll: true });
  routed = true;
}
let routed = false;

function openKeyDialog() {
  if (dialog.open) return;
  const form = dialog.querySelector('form');
  form.elements.key.value = settings.apiKey;
  form.elements.streamUrl.value = settings.streamUrl;
  dialog.querySelector('#key-error').textContent = '';
  dialog.showModal();
}

async function saveKey(event) {
  event.preventDefault();
  const form = event.target;
  const key = form.elements.key.value.trim();
  const error = dialog.querySelector('#key-error');
  if (event.submitter?.value === 'forget') {
    settings.apiKey = '';
    dialog.close();
    return route();
  }
  if (!key) return void (error.textContent = 'Paste an API key.');
  try {
    // Checked before it is kept: a typo is reported here, not as failures on every page.
    await api('GET', '/api/v1/runs', { query: { limit: 1 }, key });
  } catch (failure) {
    error.textContent = failure instanceof ApiError && failure.status === 401 ? 'Baton does not know this key (or it was revoked).' : problemText(failure.problem ?? failure);
    return;
  }
  settings.apiKey = key;
  settings.streamUrl = form.elements.streamUrl.value.trim();
  dialog.close();
  route();
}

document.getElementById('key-button').addEventListener('click', openKeyDialog);
dialog.querySelector('form').addEventListener('submit', (event) => void saveKey(event));
dialog.querySelector('[data-close]').addEventListener('click', () => dialog.close());
window.addEventListener('baton:key-needed', openKeyDialog);
window.addEventListener('hashchange', route);
route();
