// The README's first steps, as a newcomer types them: apply the example with the CLI, run it
// with --wait, get the documented output; and the jq command from the README.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmbedded, type EmbeddedBaton } from '@baton/cli/embedded';

const run = promisify(execFile);
const KEY = 'bt_readme_suite_admin_key';
let baton: EmbeddedBaton;
const dir = mkdtempSync(join(tmpdir(), 'baton-readme-'));

beforeAll(async () => {
  baton = await startEmbedded({ env: { ORCHESTRATOR_PORT: '0', ORCHESTRATOR_HOST: '127.0.0.1', BATON_API_KEY: KEY, LOG_LEVEL: 'silent' }, store: { kind: 'pglite' }, bus: { kind: 'memory' } });
});

afterAll(async () => {
  await baton?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[], input?: string) {
  const child = run(process.execPath, ['apps/cli/bin/baton.mjs', ...args], { env: { ...process.env, BATON_URL: baton.url, BATON_API_KEY: KEY } });
  if (input !== undefined) {
    child.child.stdin!.end(input);
  }
  return child;
}

it('applies and runs examples/hello.yaml to the output the README promises', async () => {
  // The example calls Baton's own health check on :8081; this Baton listens elsewhere.
  const file = join(dir, 'hello.yaml');
  writeFileSync(file, readFileSync('examples/hello.yaml', 'utf8').replace('http://localhost:8081', baton.url));
  const applied = await cli(['apply', '-f', file]);
  expect(applied.stdout).toMatch(/created/);
  const finished = await cli(['run', 'demo/hello', '--input', '{"name": "Ada"}', '--wait', '-o', 'json']);
  const result = JSON.parse(finished.stdout);
  expect(result.status).toBe('completed');
  expect(result.output).toEqual({ message: 'Hello, Ada! Baton is ok.' });
  expect(readFileSync('README.md', 'utf8')).toContain('{"message": "Hello, Ada! Baton is ok."}');
}, 60_000);

it('runs the README jq line', async () => {
  const { stdout } = await cli(['jq', '.a | map(.*2)'], '{"a":[1,2,3]}');
  expect(stdout).toBe('[2,4,6]\n');
});
