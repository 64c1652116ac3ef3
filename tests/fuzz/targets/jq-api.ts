// jq expressions through the API: each program becomes the `set` task of a workflow registered
// in namespace fuzz-jq (named by the program's hash), which then runs on the input. The runner
// evaluates it with the namespace's limits; a run not finished when the wait ends is left to the
// final check (no run may stay running).
import { createHash } from 'node:crypto';
import { jqCase, type JqInput } from '../gen/jq.ts';
import type { Target } from '../lane.ts';
import { send } from '../wire.ts';
import { judge } from './rest.ts';

export const JQ_NS = 'fuzz-jq';

export function jqWorkflow(program: string): { name: string; document: object } {
  const name = `e${createHash('sha256').update(program).digest('hex').slice(0, 16)}`;
  return { name, document: { document: { dsl: '1.0.0', namespace: JQ_NS, name, version: '1.0.0' }, do: [{ evaluate: { set: { out: `\${ ${program} }` } } }] } };
}

export function jqApiTarget(): Target<JqInput> {
  return {
    name: 'jq-api',
    arbitrary: jqCase,
    async run(input, env) {
      const headers: Array<[string, string]> = [['authorization', `Bearer ${env.fixtures['key.admin']}`], ['content-type', 'application/json']];
      const { name, document } = jqWorkflow(input.program);
      const registered = await send(env.baton.apiUrl, { method: 'POST', target: '/api/v1/workflows', headers, body: JSON.stringify(document) }, env.hangMs);
      const failure = judge(registered, env, `POST /api/v1/workflows (set: \${ ${input.program.slice(0, 100)} })`);
      if (failure || (registered.status !== 200 && registered.status !== 201)) return failure;
      const body = JSON.stringify({ namespace: JQ_NS, name, input: input.input, wait: 'PT2S' });
      const run = await send(env.baton.apiUrl, { method: 'POST', target: '/api/v1/runs', headers, body }, env.hangMs);
      const verdict = judge(run, env, `POST /api/v1/runs of ${name}`);
      // The body may be cut (a big input): the run's status is its first `status` member.
      if (!verdict && run.status < 300) env.stats.count(`run ${/"status":"([a-z]+)"/.exec(run.body)?.[1] ?? '?'}`);
      return verdict;
    },
  };
}
