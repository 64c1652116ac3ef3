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

  it('prints numbers as jq does, with 17 significant digits in full', async () => {
    const r = await baton(['.[] * 1'], '[1234567890987654321, 12345678909876543212345]');
    expect(r.stdout).toBe('1234567890987654400\n12345678909876543000000\n');
  });

  it('gives $ENV what a workflow sees ({}), and the shell environment only with --host-env', async () => {
    const workflow = await baton(['-n', '$ENV, env'], '');
    expect(workflow.stdout).toBe('{}\n{}\n');
    const host = await baton(['-n', '--host-env', '$ENV.BATON_JQ_TEST, env.BATON_JQ_TEST'], '');
    expect(host.stdout).toBe('"yes"\n"yes"\n');
  });

  it('takes a filter that starts with -, and everything after -- as the filter', async () => {
    expect(await baton(['-n', '-1'], '')).toEqual({ code: 0, stdout: '-1\n', stderr: '' });
    expect((await baton(['-.a'], '{"a":2}')).stdout).toBe('-2\n');
    expect((await baton(['-n', '--', '-n'], '')).code).toBe(3); // `-n` as a filter: `-` needs an operand
    expect((await baton(['--', '.a'], '{"a":1}')).stdout).toBe('1\n');
    const unknown = await baton(['-x', '.'], '1');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^baton jq: unknown option -x/);
  });

  it('reports a compile error at the line and column the user wrote', async () => {
    const r = await baton(['.a | map('], '{}');
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('jq: error: syntax error, unexpected end of file at <top-level>, line 1, column 9:\n    .a | map(\n            ^\njq: 1 compile error\n');
  });

  it('reports the time limit it was given, even when the program finished on jq-wasm', async () => {
    // Recursion deeper than the JavaScript stack re-runs on jq-wasm, with what was left of the time.
    const r = await baton(['--timeout-ms', '200', 'def f: [.] | f; f'], 'null');
    expect(r.code).toBe(5);
    expect(r.stderr).toBe('jq: error (at <stdin>): jq expression exceeded its time limit of 200 ms\n');
  });

  it('reads further inputs with input and inputs, as jq does', async () => {
    expect((await baton(['[., input]'], '1 2 3 4')).stdout).toBe('[1,2]\n[3,4]\n');
    expect((await baton(['-n', '[inputs]'], '1 2 3')).stdout).toBe('[1,2,3]\n');
    const last = await baton(['[., input]'], '1 2 3');
    expect(last.stdout).toBe('[1,2]\n');
    expect(last.stderr).toBe('jq: error (at <stdin>): No more inputs\n');
  });
});
