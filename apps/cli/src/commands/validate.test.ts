// Runs the real `baton validate` command, as a user would.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BATON = fileURLToPath(new URL('../../bin/baton.mjs', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../../../packages/core/tests/fixtures/serverless-workflow/examples/', import.meta.url));

function baton(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BATON, ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
    child.stdin?.end(stdin ?? '');
  });
}

const VALID = `document: { dsl: '1.0.3', namespace: test, name: ok, version: '1.0.0' }
do:
  - greet:
      set: { message: '\${ "hello " + .name }' }
`;

const INVALID = `document: { dsl: '1.0.3', namespace: test, name: bad, version: '1.0.0' }
do:
  - a:
      set: { x: '\${ .x + }' }
      thn: end
  - b:
      run: { shell: { command: ls } }
`;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-validate-'));
  await writeFile(join(dir, 'valid.yaml'), VALID);
  await writeFile(join(dir, 'invalid.yaml'), INVALID);
  await writeFile(join(dir, 'broken.json'), '{ "document": { "dsl": "1.0.3" },\n  "do": [ }\n');
  await mkdir(join(dir, 'folder'));
  await writeFile(join(dir, 'folder', 'one.yaml'), VALID);
  await writeFile(join(dir, 'folder', 'notes.txt'), 'not a workflow');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('baton validate', () => {
  it('prints FILE: valid and exits 0 when every document is valid', async () => {
    const valid = join(dir, 'valid.yaml');
    const example = join(EXAMPLES, 'switch-then-string.yaml');
    const result = await baton(['validate', valid, example]);
    expect(result).toEqual({ code: 0, stdout: `${valid}: valid\n${example}: valid\n`, stderr: '' });
  });

  it('prints one FILE:LINE:COL PATH message line per problem and exits 1', async () => {
    const valid = join(dir, 'valid.yaml');
    const invalid = join(dir, 'invalid.yaml');
    const result = await baton(['validate', invalid, valid]);
    expect(result.code).toBe(1);
    expect(result.stdout.split('\n')).toEqual([
      `${invalid}:4:14 /do/0/a/set/x invalid runtime expression: syntax error, unexpected end of the expression`,
      `${invalid}:5:7 /do/0/a/thn unknown property 'thn' of a set task — did you mean 'then'?`,
      `${invalid}:6:5 /do/1/b run: shell is not supported by Baton yet [unsupported: run.shell]`,
      `${valid}: valid`,
      '',
    ]);
  });

  it('reports a syntax error with its position, reads JSON strictly, expands directories and reads stdin', async () => {
    const broken = join(dir, 'broken.json');
    const result = await baton(['validate', broken, join(dir, 'folder'), '-'], '- just\n- a list\n');
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    const syntax = lines.filter((line) => line.startsWith(`${broken}:`));
    expect(syntax.length).toBeGreaterThan(0);
    for (const line of syntax) expect(line.slice(broken.length)).toMatch(/^:2:\d+ \(root\) JSON syntax error: /);
    expect(lines.slice(syntax.length)).toEqual([`${join(dir, 'folder', 'one.yaml')}: valid`, '-:1:1 (root) a workflow document must be an object (mapping) with document and do, not an array']);
  });

  it('prints JSON with --json', async () => {
    const result = await baton(['validate', '--json', join(dir, 'invalid.yaml')]);
    expect(result.code).toBe(1);
    const reports = JSON.parse(result.stdout);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ valid: false, problems: expect.arrayContaining([{ path: '/do/1/b', feature: 'run.shell', message: expect.any(String), line: 6, column: 5 }]) });
  });

  it('exits 2 on a usage error or an unreadable file', async () => {
    const none = await baton(['validate']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('usage: baton validate');
    const option = await baton(['validate', '--strict', join(dir, 'valid.yaml')]);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("Unknown option '--strict'");
    const missing = join(dir, 'missing.yaml');
    const unreadable = await baton(['validate', missing, join(dir, 'valid.yaml')]);
    expect(unreadable).toMatchObject({ code: 2, stdout: `${join(dir, 'valid.yaml')}: valid\n`, stderr: expect.stringContaining(`${missing}: cannot read: ENOENT`) });
  });
});
