// The dialog of a run action that asks for something before it acts (run-actions.js entries with a
// `form`): what will happen, the action's fields, Cancel and the action's own button. It is the
// confirmation: nothing is sent before that button. A refusal of the API (problem+json) is said in
// the dialog, which stays open so that the person can change the fields or cancel.
/* global document */
import { h } from '../dom.js';
import { prettyJson, problemText } from '../format.js';
import { fromText, rerunBody, resetChoices } from '../run-ops.js';

let dialogs = 0;

/**
 * openActionDialog(action, ctx, onDone): shows the dialog of `action` for ctx.run; after a
 * successful `perform(run, body)` it closes and calls onDone(result).
 */
export function openActionDialog(action, ctx, onDone) {
  const run = ctx.run;
  const ids = `action-${(dialogs += 1)}`;
  const problem = h('div', { class: 'field-error', role: 'alert', id: `${ids}-problem` });
  const submit = h('button', { class: `button ${action.tone === 'danger' ? 'danger' : 'primary'}`, type: 'submit', value: 'confirm' }, action.submitLabel ?? action.label);
  const setValid = (ok) => {
    submit.disabled = !ok;
  };
  const form = action.form(run, ctx, setValid, ids);
  const cancel = h('button', { class: 'button ghost', type: 'button', onclick: () => dialog.close() }, 'Cancel');

  const onsubmit = async (event) => {
    event.preventDefault();
    const read = form.read();
    if (!read.ok) {
      problem.textContent = read.error;
      return;
    }
    problem.textContent = '';
    submit.disabled = true;
    submit.setAttribute('aria-busy', 'true');
    try {
      const result = await action.perform(run, read.body);
      dialog.close();
      onDone(result);
    } catch (error) {
      problem.textContent = problemText(error?.problem ?? error);
      submit.disabled = false;
    } finally {
      submit.removeAttribute('aria-busy');
    }
  };

  const dialog = h(
    'dialog',
    { class: 'action-dialog', 'aria-labelledby': `${ids}-title`, 'aria-describedby': `${ids}-about`, 'data-action-dialog': action.id },
    h(
      'form',
      { onsubmit: (event) => void onsubmit(event) },
      h('h2', { id: `${ids}-title` }, action.title(run)),
      h('p', { id: `${ids}-about`, class: 'muted' }, action.explain(run)),
      form.nodes,
      problem,
      h('div', { class: 'form-actions' }, cancel, submit),
    ),
  );
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/** Rerun: the version (the run's own or the latest registered) and the input, prefilled with the run's. */
export function rerunForm(run, _ctx, setValid, ids) {
  const prefilled = prettyJson(run.input);
  const radio = (value, text, checked) =>
    h('label', { class: 'radio' }, h('input', { type: 'radio', name: `${ids}-version`, value, checked }), text);
  const versions = h(
    'fieldset',
    { class: 'choices' },
    h('legend', {}, 'Version'),
    radio('same', `The same version (${run.version})`, true),
    radio('latest', 'The latest registered version', false),
  );
  const input = h('textarea', { id: `${ids}-input`, class: 'editor', rows: '8', spellcheck: 'false', 'aria-describedby': `${ids}-input-help ${ids}-input-error`, value: prefilled });
  const error = h('p', { id: `${ids}-input-error`, class: 'field-error', role: 'alert' });
  const read = () => rerunBody({ version: versions.querySelector('input:checked')?.value, inputText: input.value, prefilled });
  input.addEventListener('input', () => {
    const result = read();
    error.textContent = result.ok ? '' : result.error;
    input.setAttribute('aria-invalid', String(!result.ok));
    setValid(result.ok);
  });
  return {
    nodes: [
      versions,
      h('label', { for: `${ids}-input` }, 'Input (JSON)'),
      input,
      h('p', { id: `${ids}-input-help`, class: 'muted small' }, "This run's input; edit it to rerun with another. Empty means {}."),
      error,
    ],
    read,
  };
}

/** Reset: where to start again — the failed task of a faulted run, or one of the tasks the run started. */
export function resetForm(run, ctx, setValid, ids) {
  const choices = resetChoices(run, ctx.progress);
  if (choices.length === 0) {
    setValid(false);
    return { nodes: [h('p', { class: 'state-title' }, 'This run started no task: there is nothing to reset from.')], read: () => ({ ok: false, error: 'no task to reset from' }) };
  }
  const select = h('select', { id: `${ids}-from`, name: 'from', 'aria-describedby': `${ids}-from-help` }, choices.map((c, i) => h('option', { value: c.value, selected: i === 0 }, c.label)));
  const help = h('p', { id: `${ids}-from-help`, class: 'muted small' });
  const describe = () => {
    help.textContent = `The new run replays what this run recorded before ${fromText(select.value)} and executes from there on.`;
  };
  select.addEventListener('change', describe);
  describe();
  return {
    nodes: [h('label', { for: `${ids}-from` }, 'Start again from'), select, help],
    read: () => ({ ok: true, body: { from: select.value } }),
  };
}

/** Suspend and resume: an optional reason, kept in the run's event. */
export function reasonForm(_run, _ctx, _setValid, ids) {
  const input = h('input', { id: `${ids}-reason`, name: 'reason', maxlength: '1000', autocomplete: 'off', placeholder: 'optional' });
  return {
    nodes: [h('label', { for: `${ids}-reason` }, 'Reason'), input, h('p', { class: 'muted small' }, "Kept in the run's events.")],
    read: () => ({ ok: true, body: input.value.trim() === '' ? {} : { reason: input.value.trim() } }),
  };
}
