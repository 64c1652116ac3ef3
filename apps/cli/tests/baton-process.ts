// Runs the real `baton` command (node apps/cli/bin/baton.mjs) as a child process.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'apps/cli/bin/baton.mjs');

export interface BatonResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function baton(args: string[], options: { env?: Record<string, string | undefined>; stdin?: string; cwd?: string } = {}): Promise<BatonResult> {
  // An empty data folder of its own unless the caller names one, so that no key saved by a local
  // `baton start` is picked up; removed once the command has ended.
  const emptyDataDir = options.env !== undefined && 'BATON_DATA_DIR' in options.env ? undefined : mkdtempSync(join(tmpdir(), 'baton-cli-test-'));
  const env: NodeJS.ProcessEnv = { ...process.env, BATON_URL: undefined, BATON_API_KEY: undefined, BATON_DATA_DIR: emptyDataDir, NO_COLOR: '1', ...options.env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(options.stdin ?? '');
  return new Promise<BatonResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  }).finally(() => {
    if (emptyDataDir !== undefined) rmSync(emptyDataDir, { recursive: true, force: true });
  });
}
