// Every example workflow of the Serverless Workflow specification (copied, with the schema, in
// fixtures/serverless-workflow) must either be valid for Baton or be rejected by the profile
// only: every problem names the unsupported feature. The table pins each outcome, so a new
// example or a changed outcome fails here until someone looks at it.
//
// All 66 examples are valid against the official schema (checked by the first test), and every
// runtime expression in them compiles with Baton's jq — including the bare ones the examples
// write in `if`, `for.in`, `while`, switch `when`, `until`, `correlate.from` and `output.as`.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { collectTasks, loadWorkflow } from '../src/document/index.ts';
import { validateOfficial } from '../src/document/schema.ts';
import { parse } from 'yaml';

const EXAMPLES = new URL('./fixtures/serverless-workflow/examples/', import.meta.url);

type Outcome = 'valid' | string[];

const EXPECTED: Record<string, Outcome> = {
  'accumulate-room-readings.yaml': 'valid',
  'authentication-bearer-uri-format.yaml': 'valid',
  'authentication-bearer.yaml': 'valid',
  'authentication-oauth2-secret.yaml': ['authentication.oauth2'],
  'authentication-oauth2.yaml': ['authentication.oauth2'],
  'authentication-oidc-secret.yaml': ['authentication.oidc'],
  'authentication-oidc.yaml': ['authentication.oidc'],
  'authentication-reusable.yaml': 'valid',
  'call-asyncapi-publish.yaml': ['call.asyncapi'],
  'call-asyncapi-subscribe-consume-amount.yaml': ['call.asyncapi'],
  'call-asyncapi-subscribe-consume-forever-foreach.yaml': ['call.asyncapi'],
  'call-asyncapi-subscribe-consume-until.yaml': ['call.asyncapi'],
  'call-asyncapi-subscribe-consume-while.yaml': ['call.asyncapi'],
  'call-custom-function-cataloged.yaml': ['call.function-uri'], // calls a function definition by URL
  'call-custom-function-inline.yaml': 'valid',
  'call-grpc.yaml': ['call.grpc'],
  'call-http-endpoint-interpolation-shorthand.yaml': 'valid',
  'call-http-endpoint-interpolation.yaml': 'valid',
  'call-http-query-headers-expressions.yaml': 'valid',
  'call-http-query-parameters.yaml': 'valid',
  'call-http-redirect.yaml': 'valid',
  'call-mcp.yaml': ['call.mcp'],
  'call-openapi-redirect.yaml': 'valid',
  'call-openapi.yaml': 'valid',
  'conditional-task.yaml': 'valid',
  'do-multiple.yaml': 'valid',
  'do-single.yaml': 'valid',
  'emit.yaml': 'valid',
  'for.yaml': 'valid',
  'fork.yaml': 'valid',
  'listen-to-all-read-envelope.yaml': 'valid',
  'listen-to-all.yaml': 'valid',
  'listen-to-any-filter.yaml': 'valid',
  'listen-to-any-forever-foreach.yaml': 'valid',
  'listen-to-any-until-condition.yaml': 'valid',
  'listen-to-any-until-consumed.yaml': 'valid',
  'listen-to-any.yaml': 'valid',
  'listen-to-one.yaml': 'valid',
  'mock-service-extension.yaml': ['use.extensions'],
  'raise-inline.yaml': 'valid',
  'raise-reusable.yaml': 'valid',
  'run-container-cleanup-always.yaml': ['run.container'],
  'run-container-cleanup-eventually.yaml': ['run.container'],
  'run-container-stdin-and-arguments.yaml': ['run.container'],
  'run-container-with-name.yaml': ['run.container'],
  'run-container-with-pull-policy.yaml': ['run.container'],
  'run-container.yaml': ['run.container'],
  'run-return-all.yaml': ['run.container'],
  'run-return-code.yaml': ['run.container'],
  'run-return-none.yaml': ['run.container'],
  'run-return-stderr.yaml': ['run.container'],
  'run-script-with-stdin-and-arguments.yaml': ['run.script'],
  'run-shell-stdin-and-arguments.yaml': ['run.shell'],
  'run-subflow.yaml': 'valid',
  'schedule-cron.yaml': 'valid',
  'schedule-event-driven.yaml': 'valid',
  'set-expression.yaml': 'valid', // a set task, started by an event schedule
  'set.yaml': 'valid', // idem
  'star-wars-homeworld.yaml': 'valid',
  'switch-then-string.yaml': 'valid',
  'try-catch-retry-inline.yaml': 'valid',
  'try-catch-retry-reusable.yaml': 'valid',
  'try-catch-then.yaml': 'valid',
  'try-catch.yaml': 'valid',
  'wait-duration-inline.yaml': 'valid',
  'wait-duration-iso8601.yaml': 'valid',
};

const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml') || f.endsWith('.json')).sort();
const read = (file: string) => readFileSync(new URL(file, EXAMPLES), 'utf8');

describe('the specification examples', () => {
  it('are exactly the files of the expected table', () => {
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(files)('%s is valid against the official schema', (file) => {
    expect(validateOfficial(parse(read(file)))).toBeNull();
  });

  it.each(files)('%s: outcome matches the table', (file) => {
    const result = loadWorkflow(read(file));
    if (result.ok) {
      expect('valid').toEqual(EXPECTED[file]);
      return;
    }
    expect(result.problems.filter((p) => p.feature === undefined)).toEqual([]);
    for (const problem of result.problems) {
      expect(problem.message).toMatch(/is not supported by Baton yet/);
      expect(problem.line).toEqual(expect.any(Number));
    }
    expect([...new Set(result.problems.map((p) => p.feature))].sort()).toEqual(EXPECTED[file]);
  });

  it('the valid ones (41 of 66) cover every task kind Baton runs', () => {
    const valid = files.filter((f) => EXPECTED[f] === 'valid');
    expect(valid).toHaveLength(41);
    const kinds = new Set<string>();
    for (const file of valid) {
      for (const { kind, task } of collectTasks(parse(read(file))).tasks) kinds.add(kind === 'call' || kind === 'run' ? `${kind}:${kind === 'call' ? task.call : Object.keys(task.run)[0]}` : String(kind));
    }
    // No example nests a `do` task (only the top-level `do` list); the unit tests cover it.
    expect([...kinds].sort()).toEqual(['call:getPetById', 'call:http', 'call:openapi', 'emit', 'for', 'fork', 'listen', 'raise', 'run:workflow', 'set', 'switch', 'try', 'wait']);
  });
});
