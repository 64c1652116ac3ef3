// Runs the real `baton jq` command, as a user would.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BATON = fileURLToPath(new URL('../../bin/baton.mjs', import.meta.url));

function baton(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, BATON_JQ_TEST: 'yes' };
    const child = execFile(process.execPath, [BATON, 'jq', ...args], { timeout: 20_000, env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
    child.stdin?.end(stdin);
  });
}

describe('baton jq', () => {
  it('runs a filter over stdin and prints compact JSON', async () => {
    const r = await baton(['.a | map(.*2)'], '{"a":[1,2,3]}\n');
    expect(r).toEqual({ code: 0, stdout: '[2,4,6]\n', stderr: '' });
  });

  it('reads a stream of concatenated JSON values', async () => {
    const r = await baton(['{x: .}'], '1 "two" [3]{"four":4}');
    expect(r.stdout).toBe('{"x":1}\n{"x":"two"}\n{"x":[3]}\n{"x":{"four":4}}\n');
  });

  it('supports -n, --arg and --argjson', async () => {
    const r = await baton(['-n', '--arg', 'who', 'Ada', '--argjson', 'n', '{"k":[1]}', '"hi \\($who)", $n.k[0]']);
    expect(r).toEqual({ code: 0, stdout: '"hi Ada"\n1\n', stderr: '' });
  });

  it('exits 3 on a compile error and 5 on a runtime error, like jq', async () => {
    const compile = await baton(['.a | {'], '{}');
    expect(compile.code).toBe(3);
    expect(compile.stderr).toMatch(/^jq: error: syntax error/);
    const runtime = await baton(['.a + 1'], '{"a":"x"} {"a":1}');
    expect(runtime.code).toBe(5);
    expect(runtime.stdout).toBe('2\n');
    expect(runtime.stderr).toBe('jq: error (at <stdin>): string ("x") and number (1) cannot be added\n');
  });

  it('prints numbers as jq does', async () => {
    const r = await baton(['-c', '.[] * 1'], '[1e17, 1e-5, 0.1, 3, 1e1000]');
    expect(r.stdout).toBe('1e+17\n1e-05\n0.1\n3\n1.7976931348623157e+308\n');
  });

  it('exposes the process environment as $ENV, as jq does', async () => {
    const r = await baton(['-n', '$ENV.BATON_JQ_TEST, env.BATON_JQ_TEST'], '');
    expect(r.stdout).toBe('"yes"\n"yes"\n');
  });
});
