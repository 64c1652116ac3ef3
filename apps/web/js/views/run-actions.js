// What a person can do to runs: one list for the run page's buttons and the runs list's bulk
// actions. An action says when it applies, what to confirm, and the API call; the pages draw the
// buttons. Cancel asks with window.confirm; rerun, reset, suspend and resume open a dialog
// (run-action-dialog.js) whose fields make the request's body (docs/OPERATIONS.md).
import { api, runPath } from '../api.js';
import { isTerminal, shortId } from '../format.js';
import { SUSPENDABLE } from '../run-ops.js';
import { reasonForm, rerunForm, resetForm } from './run-action-dialog.js';

/**
 * { id, label, tone, applies(run), confirm(runs), perform(run, body) → run | undefined, done(count, result), bulk }
 * `bulk`: offered on the runs list for the selected runs.
 * With `form(run, ctx, setValid, ids) → { nodes, read() }`: a dialog instead of `confirm`, titled
 * `title(run)`, saying `explain(run)`, confirmed with `submitLabel`. `opensRun`: the answer is a new
 * run, which the page then opens. `watchStatus`: the request is applied moments later (202): the
 * page reads the run again until its status moves.
 */
export const RUN_ACTIONS = [
  {
    id: 'cancel',
    label: 'Cancel run',
    bulkLabel: 'Cancel selected',
    tone: 'danger',
    bulk: true,
    applies: (run) => !isTerminal(run.status),
    confirm: (runs) => (runs.length === 1 ? `Cancel run ${runs[0].id}?` : `Cancel ${runs.length} runs?`),
    perform: (run) => api('POST', `${runPath(run.id)}/cancel`, { body: { reason: 'cancelled from the dashboard' } }),
    done: (count) => (count === 1 ? 'Cancellation requested' : `Cancellation requested for ${count} runs`),
  },
  {
    id: 'rerun',
    label: 'Rerun',
    applies: () => true,
    title: () => 'Rerun this run',
    explain: (run) => `Starts a new run of ${run.namespace}/${run.name}, linked to this one; every task runs again. This run is left as it is.`,
    form: rerunForm,
    submitLabel: 'Start the rerun',
    perform: (run, body) => api('POST', `${runPath(run.id)}/rerun`, { body }),
    opensRun: true,
    done: (_count, created) => `Rerun started: ${shortId(created?.id ?? '')}`,
  },
  {
    id: 'reset',
    label: 'Reset…',
    applies: (run) => isTerminal(run.status),
    title: () => 'Reset this run from a task',
    explain: () => 'Starts a new run that reuses what this run recorded before the task you pick (HTTP responses, agent turns, approvals) without executing it again, and runs that task and the rest anew.',
    form: resetForm,
    submitLabel: 'Reset',
    perform: (run, body) => api('POST', `${runPath(run.id)}/reset`, { body }),
    opensRun: true,
    done: (_count, created) => `Reset started: ${shortId(created?.id ?? '')}`,
  },
  {
    id: 'suspend',
    label: 'Suspend',
    applies: (run) => SUSPENDABLE.has(run.status),
    title: () => 'Suspend this run',
    explain: () => 'The run dispatches nothing new until it is resumed; tasks already under way finish and are recorded, timers still fire.',
    form: reasonForm,
    submitLabel: 'Suspend',
    perform: (run, body) => api('POST', `${runPath(run.id)}/suspend`, { body }),
    watchStatus: true,
    done: () => 'Suspension requested',
  },
  {
    id: 'resume',
    label: 'Resume',
    tone: 'primary',
    applies: (run) => run.status === 'suspended',
    title: () => 'Resume this run',
    explain: () => 'What the run held while suspended is dispatched, in the order it decided it, and the run goes on.',
    form: reasonForm,
    submitLabel: 'Resume',
    perform: (run, body) => api('POST', `${runPath(run.id)}/resume`, { body }),
    watchStatus: true,
    done: () => 'Resume requested',
  },
];

/**
 * Runs an action on several runs, a few requests at a time; resolves to { done: run[], failed: [{ run, error }] }.
 * A refusal of one run (it finished meanwhile: 409) does not stop the others.
 */
export async function performOnRuns(action, runs, concurrency = 4) {
  const done = [];
  const failed = [];
  const queue = [...runs];
  const worker = async () => {
    for (let run = queue.shift(); run; run = queue.shift()) {
      try {
        done.push((await action.perform(run)) ?? run);
      } catch (error) {
        failed.push({ run, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, runs.length) }, worker));
  return { done, failed };
}
