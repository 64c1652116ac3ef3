// The REST API (port 8081): every operation of /openapi.json with generated requests.
// Fails on a status >= 500, on no answer within the hang bound, and (via the lane) on the
// process exiting.
import { resolve, type Fixtures } from '../fixtures.ts';
import { restRequests } from '../gen/rest.ts';
import type { Target, TargetEnv } from '../lane.ts';
import { send, type HttpAnswer, type HttpInput } from '../wire.ts';

export function resolveInput(input: HttpInput, fixtures: Fixtures): HttpInput {
  return {
    ...input,
    target: resolve(input.target, fixtures),
    headers: input.headers.map(([name, value]) => [name, resolve(value, fixtures)]),
    ...(typeof input.body === 'string' && { body: resolve(input.body, fixtures) }),
  };
}

/** The verdict on one HTTP answer, shared by every HTTP target. */
export function judge(answer: HttpAnswer, env: TargetEnv, what: string): string | undefined {
  env.stats.record(answer, what);
  if (answer.timedOut) return `HANG: ${what}: ${answer.error}`;
  if (answer.status >= 500) return `${answer.status} for ${what}: ${answer.body.slice(0, 500)}`;
  return undefined;
}

export function describe(input: HttpInput): string {
  return `${input.method} ${input.target.slice(0, 200)}`;
}

export function restTarget(openapi: unknown): Target<HttpInput> {
  return {
    name: 'rest',
    arbitrary: restRequests(openapi),
    async run(input, env) {
      const resolved = resolveInput(input, env.fixtures);
      const answer = await send(env.baton.apiUrl, resolved, env.hangMs);
      return judge(answer, env, describe(resolved));
    },
  };
}
