// Runs Baton's services the way their images do, without a Docker engine: each service gets the
// filesystem its image target would hold (the Dockerfile's COPY lines applied to a fresh
// `npm run build`), its image's ENV, WORKDIR and CMD, the environment docker-compose gives it
// (.env, from .env.docker), and a non-root user; then it is started, probed and stopped like a container.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, cpSync, mkdirSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { ROOT, imageSettings, parseDockerfile, type NodeService } from './support.ts';

/** `npm run build` as the Dockerfile's build stage runs it, into `outdir`. */
export function buildBundles(outdir: string): void {
  execFileSync(process.execPath, ['scripts/build.mjs', '--outdir', outdir, '--no-sourcemap'], { cwd: ROOT, stdio: 'pipe' });
}

/**
 * The image's /app for `service`: every `COPY --from=build /app/<path> <dest>` of its target,
 * with the build stage's /app/dist taken from `dist` and /app/node_modules from the repository
 * (the same lockfile install). Files stay owned by root and read-only for others, as in the image.
 */
export function imageFilesystem(service: NodeService, dist: string, into: string): { workdir: string; cmd: string[]; env: Record<string, string> } {
  const image = imageSettings(service, parseDockerfile());
  if (image.workdir !== '/app') throw new Error(`expected WORKDIR /app in the ${service} target, got ${image.workdir}`);
  for (const copy of image.copies) {
    const [from, source, dest] = copy.split(/\s+/);
    if (from !== '--from=build' || !source || !dest) throw new Error(`unexpected COPY in the ${service} target: ${copy}`);
    const inBuild = relative('/app', source);
    const origin = inBuild.startsWith('dist') ? join(dist, relative('dist', inBuild)) : join(ROOT, inBuild);
    const target = join(into, dest.startsWith('/') ? relative('/app', dest) : dest);
    mkdirSync(dirname(target), { recursive: true });
    cpSync(origin, target, { recursive: true });
  }
  openForOthers(into);
  if (!image.cmd) throw new Error(`the ${service} target has no CMD`);
  return { workdir: into, cmd: image.cmd, env: image.env };
}

/** Directories traversable and files readable by everyone (the image's default modes). */
function openForOthers(path: string): void {
  execFileSync('chmod', ['-R', 'a+rX', path]);
  for (let dir = dirname(path); dir !== '/' && dir.startsWith('/tmp/'); dir = dirname(dir)) chmodSync(dir, 0o755);
}

/** The unprivileged user the services run as: `nobody` when the tests run as root, else the current user. */
export function serviceUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'));
  if (!line) throw new Error('no user nobody in /etc/passwd: the services must not run as root');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export interface Container {
  name: string;
  service: NodeService;
  port: number;
  /** The environment the process got (image ENV + compose environment). */
  env: Record<string, string>;
  child: ChildProcess;
  output: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ContainerSpec {
  name: string;
  service: NodeService;
  workdir: string;
  cmd: string[];
  env: Record<string, string>;
  port: number;
}

/** Starts the CMD like `docker run`: a clean environment (no host variables), the image's user. */
export function startContainer(spec: ContainerSpec): Container {
  const user = serviceUser();
  const [command, ...args] = spec.cmd;
  const env = { PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, HOSTNAME: spec.name, ...spec.env };
  const child = spawn(command!, args, { cwd: spec.workdir, env, stdio: ['ignore', 'pipe', 'pipe'], ...(user ?? {}) });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString().split('\n').filter(Boolean));
    if (output.length > 300) output.splice(0, output.length - 300);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exit = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  return { name: spec.name, service: spec.service, port: spec.port, env, child, output, exit };
}

/** Like Docker's HEALTHCHECK then depends_on: service_healthy — /health answers, and /ready too. */
export async function waitHealthy(container: Container, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (container.child.exitCode !== null) throw new Error(`${container.name} exited with ${container.child.exitCode}:\n${container.output.slice(-30).join('\n')}`);
    const health = await fetch(`http://127.0.0.1:${container.port}/health`).catch(() => undefined);
    const ready = health?.ok ? await fetch(`http://127.0.0.1:${container.port}/ready`).catch(() => undefined) : undefined;
    if (ready?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${container.name} was not healthy within ${timeoutMs} ms:\n${container.output.slice(-30).join('\n')}`);
}

/** `docker stop`: the image's STOPSIGNAL, then SIGKILL after the grace period. */
export async function stopContainer(container: Container, signal: NodeJS.Signals, graceMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null; killed: boolean }> {
  if (container.child.exitCode !== null || container.child.signalCode !== null) return { ...(await container.exit), killed: false };
  container.child.kill(signal);
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    container.child.kill('SIGKILL');
  }, graceMs);
  const result = await container.exit;
  clearTimeout(timer);
  return { ...result, killed };
}

/** The user id a process runs as (from /proc). */
export function processUid(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Uid:'));
  return Number(line?.split(/\s+/)[1]);
}

/** Fails when something already listens on a port the services are about to take. */
export async function assertPortFree(port: number): Promise<void> {
  const taken = await new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
  if (taken) throw new Error(`port ${port} is in use on this machine; the deployment test runs the services on the guide's ports (stop what listens there, e.g. \`npm start\`)`);
}

/**
 * The URL the image's HEALTHCHECK calls, expanded by a POSIX shell in the container's
 * environment (as `/bin/sh -c` does in the container), so a wrong port variable shows here.
 */
export function healthcheckUrl(healthcheck: string, env: Record<string, string>): string {
  const quoted = /wget .* "([^"]+)"/.exec(healthcheck)?.[1];
  if (!quoted) throw new Error(`HEALTHCHECK does not call wget on a quoted URL: ${healthcheck}`);
  return execFileSync('/bin/sh', ['-c', `printf '%s' "${quoted}"`], { env, encoding: 'utf8' });
}
