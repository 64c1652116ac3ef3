// Workflow documents through POST /api/v1/workflows (YAML or JSON); the ones generated valid
// that call nothing outside are then run (POST /api/v1/runs with a short wait).
import { documentInput, type DocumentInput } from '../gen/documents.ts';
import type { Target } from '../lane.ts';
import { send } from '../wire.ts';
import { judge } from './rest.ts';

const auth: [string, string] = ['authorization', 'Bearer {{key.admin}}'];

export function workflowsTarget(): Target<DocumentInput> {
  return {
    name: 'workflows',
    arbitrary: documentInput,
    async run(input, env) {
      const key = env.fixtures['key.admin']!;
      const headers: Array<[string, string]> = [[auth[0], `Bearer ${key}`], ['content-type', input.contentType]];
      const registered = await send(env.baton.apiUrl, { method: 'POST', target: '/api/v1/workflows', headers, body: input.body }, env.hangMs);
      const failure = judge(registered, env, `POST /api/v1/workflows (${input.contentType})`);
      if (failure || !input.run || (registered.status !== 200 && registered.status !== 201)) return failure;
      const summary = JSON.parse(registered.body) as { namespace: string; name: string; version: string };
      const body = JSON.stringify({ namespace: summary.namespace, name: summary.name, version: summary.version, input: input.run.input, wait: 'PT1S' });
      const started = await send(env.baton.apiUrl, { method: 'POST', target: '/api/v1/runs', headers: [[auth[0], `Bearer ${key}`], ['content-type', 'application/json']], body }, env.hangMs);
      return judge(started, env, `POST /api/v1/runs of ${summary.name}@${summary.version}`);
    },
  };
}
