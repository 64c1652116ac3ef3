// What a person can do to runs: one list for the run page's buttons and the runs list's bulk
// actions. An action says when it applies, what to confirm, and the API call; the pages draw the
// buttons. Rerun, reset and suspend belong here when the API has them (one entry each).
import { api, runPath } from '../api.js';
import { isTerminal } from '../format.js';

/**
 * { id, label, tone, applies(run), confirm(runs), perform(run) → run | undefined, done(count), bulk }
 * `bulk`: offered on the runs list for the selected runs.
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
