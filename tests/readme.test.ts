// The README's first steps, as a newcomer types them: apply the example with the CLI, run it
// with --wait, get the documented output; and the jq command from the README. The first examples
// of the README (npm start) and of DEPLOYMENT.md (the API at http://orchestrator:8081, as the
// http-worker's container sees it) also run exactly as written, in a network namespace of their own.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
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
  // The example calls Baton's own health check at its input's `api` (default :8081); this Baton listens elsewhere.
  const applied = await cli(['apply', '-f', 'examples/hello.yaml']);
  expect(applied.stdout).toMatch(/created/);
  const finished = await cli(['run', 'demo/hello', '--input', JSON.stringify({ name: 'Ada', api: baton.url }), '--wait', '-o', 'json']);
  const result = JSON.parse(finished.stdout);
  expect(result.status).toBe('completed');
  expect(result.output).toEqual({ message: 'Hello, Ada! Baton is ok.' });
  expect(readFileSync('README.md', 'utf8')).toContain('{"message": "Hello, Ada! Baton is ok."}');
}, 60_000);

it('runs the README jq line', async () => {
  const { stdout } = await cli(['jq', '.a | map(.*2)'], '{"a":[1,2,3]}');
  expect(stdout).toBe('[2,4,6]\n');
});

/** The commands of the first ```sh block after `marker` in a Markdown file. */
function commandsAfter(file: string, marker: string): string[] {
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`${file} no longer says '${marker}'`);
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(at))?.[1];
  if (!block) throw new Error(`${file}: no sh block after '${marker}'`);
  return block.split('\n').map((line) => line.replace(/\s+#.*$/, '').trim()).filter((line) => line !== '' && !line.startsWith('#'));
}

it('runs the first example of the README (npm start) and of DEPLOYMENT.md (the API as orchestrator:8081) as written', async () => {
  expect(commandsAfter('README.md', '## Start it')).toEqual(['npm ci && npm start']);
  const readme = commandsAfter('README.md', 'register the example workflow and run it:');
  expect(readme).toEqual(['npx baton apply -f examples/hello.yaml', 'npx baton run demo/hello --input \'{"name": "Ada"}\' --wait']);
  const deployment = commandsAfter('DEPLOYMENT.md', '## Quick start').filter((line) => line.startsWith('npx baton'));
  expect(deployment).toEqual(['npx baton apply -f examples/hello.yaml', 'npx baton run demo/hello --input \'{"name": "Ada", "api": "http://orchestrator:8081"}\' --wait']);
  // A network namespace: npm start gets the default ports whatever runs on this machine, and
  // `orchestrator` resolves to the API, as docker-compose's DNS resolves it for the http-worker.
  writeFileSync(join(dir, 'hosts'), '127.0.0.1 localhost orchestrator\n::1 localhost\n');
  const script = [
    'set -e',
    'ip link set lo up',
    `mount --bind ${join(dir, 'hosts')} /etc/hosts`,
    'mkdir -p "$BATON_DATA_DIR"',
    'npm start > "$BATON_DATA_DIR/start.log" 2>&1 &',
    // Up to 120 s for npm start, checked every 0.2 s.
    'for i in $(seq 1 600); do node -e "fetch(\'http://localhost:8081/health\').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" && break; sleep 0.2; done',
    '[ "$i" -lt 600 ] || { cat "$BATON_DATA_DIR/start.log"; exit 1; }',
    'echo "--- README"', ...readme,
    'echo "--- DEPLOYMENT"', ...deployment,
  ].join('\n');
  const child = spawn('unshare', ['--net', '--mount', '--map-root-user', 'sh', '-c', script], {
    detached: true,
    env: { ...process.env, BATON_DATA_DIR: join(dir, 'data'), BATON_API_KEY: KEY, BATON_URL: 'http://localhost:8081' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  // npm start lives on in the namespace: stop the whole group.
  try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
  expect(code, output).toBe(0);
  const [, fromReadme, fromDeployment] = output.split(/^--- (?:README|DEPLOYMENT)$/m);
  for (const part of [fromReadme, fromDeployment]) {
    expect(part, output).toMatch(/completed/);
    expect(part, output).toContain('"message": "Hello, Ada! Baton is ok."');
  }
}, 180_000);

it('links only files of the repository, and every package and service has the README it promises', () => {
  for (const file of ['README.md', 'DEPLOYMENT.md', 'docs/ARCHITECTURE.md']) {
    const links = [...readFileSync(file, 'utf8').matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((link) => !/^[a-z]+:/.test(link));
    expect(links.length, file).toBeGreaterThan(0);
    const broken = links.filter((link) => !existsSync(join(dirname(file), link)) || relative('.', resolve(dirname(file), link)).startsWith('..'));
    expect(broken, file).toEqual([]);
  }
  expect(readFileSync('README.md', 'utf8')).not.toMatch(/\.\.\/shared/);
  for (const parent of ['packages', 'services']) {
    for (const name of readdirSync(parent)) expect(existsSync(join(parent, name, 'README.md')), `${parent}/${name}/README.md`).toBe(true);
  }
});
