// What the deployment tests share: the repository's paths, the Dockerfile read as data, compose
// files resolved by `docker-compose config`, and YAML manifests. Nothing here needs a Docker
// engine; a missing tool is an error (the test fails and says what to install), never a skip.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, parseAllDocuments } from 'yaml';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The guide's services (ARCHITECTURE.md §1) and their ports. */
export const GUIDE_PORTS = {
  postgres: 5432,
  redis: 6379,
  orchestrator: 8081,
  'workflow-runner': 8082,
  'http-worker': 8083,
  'hitl-worker': 8084,
  fanout: 8085,
  'agent-runner': 8086,
} as const;

export type GuideService = keyof typeof GUIDE_PORTS;

/** The guide's resource limits ("Resource Limits": CPU cores, memory, replicas), per service. */
export const GUIDE_LIMITS: Record<GuideService, { cpus: number; memory: string; replicas: number }> = {
  postgres: { cpus: 2, memory: '2G', replicas: 1 },
  redis: { cpus: 2, memory: '2G', replicas: 1 },
  orchestrator: { cpus: 2, memory: '1G', replicas: 1 },
  'workflow-runner': { cpus: 2, memory: '1G', replicas: 1 },
  'http-worker': { cpus: 1, memory: '512M', replicas: 2 },
  'hitl-worker': { cpus: 1, memory: '512M', replicas: 1 },
  'agent-runner': { cpus: 2, memory: '2G', replicas: 2 },
  fanout: { cpus: 2, memory: '1G', replicas: 1 },
};
export const NODE_SERVICES = ['orchestrator', 'workflow-runner', 'http-worker', 'hitl-worker', 'fanout', 'agent-runner'] as const;
export type NodeService = (typeof NODE_SERVICES)[number];
/** Services the guide scales with --scale / replicas: no fixed container name, no published port. */
export const SCALED_SERVICES = ['workflow-runner', 'http-worker', 'hitl-worker', 'agent-runner'] as const;

export function readText(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

export function readYamlDocuments(path: string): any[] {
  return parseAllDocuments(readText(path))
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return doc.toJS();
    })
    .filter((doc) => doc !== null && doc !== undefined);
}

// ---- Dockerfile ---------------------------------------------------------------------------

export interface DockerStage {
  name: string;
  from: string;
  /** Instructions in order, keyword upper-cased, continuation lines joined. */
  instructions: { keyword: string; args: string }[];
}

export function parseDockerfile(path = 'deploy/Dockerfile'): { args: Record<string, string>; stages: DockerStage[] } {
  const lines = readText(path)
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const args: Record<string, string> = {};
  const stages: DockerStage[] = [];
  for (const line of lines) {
    const match = /^(\S+)\s+(.*)$/.exec(line);
    if (!match) throw new Error(`${path}: cannot read '${line}'`);
    const keyword = match[1]!.toUpperCase();
    const rest = match[2]!.trim();
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!from) throw new Error(`${path}: cannot read FROM ${rest}`);
      stages.push({ name: from[2] ?? String(stages.length), from: from[1]!.replace(/^\$\{(\w+)\}$/, (_, name: string) => args[name] ?? ''), instructions: [] });
    } else if (stages.length === 0 && keyword === 'ARG') {
      const [name, value] = rest.split('=');
      args[name!] = value ?? '';
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`${path}: ${keyword} before the first FROM`);
      stage.instructions.push({ keyword, args: rest });
    }
  }
  return { args, stages };
}

/** A target's effective image settings, following its FROM chain inside the Dockerfile. */
export interface ImageSettings {
  chain: string[];
  baseImage: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
  cmd?: string[];
  stopSignal?: string;
  healthcheck?: string;
  expose: number[];
  copies: string[];
}

export function imageSettings(target: string, dockerfile = parseDockerfile()): ImageSettings {
  const chain: DockerStage[] = [];
  let stage = dockerfile.stages.find((s) => s.name === target);
  if (!stage) throw new Error(`deploy/Dockerfile has no target '${target}'`);
  while (stage) {
    chain.unshift(stage);
    const parent: string = stage.from;
    stage = dockerfile.stages.find((s) => s.name === parent);
  }
  const settings: ImageSettings = { chain: chain.map((s) => s.name), baseImage: chain[0]!.from, workdir: '/', env: {}, expose: [], copies: [] };
  for (const { keyword, args } of chain.flatMap((s) => s.instructions)) {
    if (keyword === 'WORKDIR') settings.workdir = args;
    else if (keyword === 'ENV') Object.assign(settings.env, parseEnvInstruction(args));
    else if (keyword === 'USER') settings.user = args;
    else if (keyword === 'CMD') settings.cmd = JSON.parse(args) as string[];
    else if (keyword === 'STOPSIGNAL') settings.stopSignal = args;
    else if (keyword === 'HEALTHCHECK') settings.healthcheck = args;
    else if (keyword === 'EXPOSE') settings.expose.push(...args.split(/\s+/).map(Number));
    else if (keyword === 'COPY') settings.copies.push(args);
  }
  return settings;
}

function parseEnvInstruction(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of args.match(/\S+=("[^"]*"|\S*)/g) ?? []) {
    const at = pair.indexOf('=');
    env[pair.slice(0, at)] = pair.slice(at + 1).replace(/^"|"$/g, '');
  }
  return env;
}

// ---- compose --------------------------------------------------------------------------------

function dockerCompose(args: string[], cwd: string, env: Record<string, string>): string {
  try {
    return execFileSync('docker-compose', args, { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error('docker-compose is not installed: install Debian\'s docker-compose package (apt-get install docker-compose; .ci/run does it)');
    }
    throw new Error(`docker-compose ${args.join(' ')} failed:\n${e.stderr ?? e.message}`);
  }
}

/** The files an operator's checkout holds for the compose commands of the guide. */
const DEPLOYMENT_FILES = ['docker-compose.yml', 'docker-compose.dev.yml', 'docker-compose.prod.yml', '.env.docker', 'Makefile', 'deploy/nginx/baton.conf'];

/**
 * A throwaway copy of the repository's deployment files in a folder of its own (so its compose
 * project is named after no folder of ours, and the checkout's own .env plays no part), where the
 * guide's commands run as a person types them.
 */
export interface ComposeProject {
  dir: string;
  /** A shell command in the folder (`cp .env.docker .env`), from a clean environment plus `env`. */
  sh(command: string, env?: Record<string, string>): string;
  /** `docker-compose [args] config`, parsed. */
  config(args?: string[], env?: Record<string, string>): any;
  /** Edits KEY=VALUE lines of a dotenv file as a person in an editor would (new keys are appended). */
  editDotenv(path: string, values: Record<string, string>): void;
  write(path: string, text: string): void;
  remove(): void;
}

/** The projects made and not removed yet (removeComposeProjects). */
const projects = new Set<ComposeProject>();

/** Removes every project still there (a test file's afterEach: a test may make more than one). */
export function removeComposeProjects(): void {
  for (const project of projects) project.remove();
}

export function composeProject(): ComposeProject {
  const dir = mkdtempSync(join(tmpdir(), 'baton-compose-'));
  for (const file of DEPLOYMENT_FILES) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(ROOT, file), join(dir, file));
  }
  const cleanEnv = (env: Record<string, string>) => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', ...env });
  const project: ComposeProject = {
    dir,
    sh: (command, env = {}) => execFileSync('sh', ['-c', command], { cwd: dir, env: cleanEnv(env), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    config: (args = [], env = {}) => parseYaml(dockerCompose([...args, 'config'], dir, env)),
    editDotenv(path, values) {
      const pending = new Map(Object.entries(values));
      const lines = readFileSync(join(dir, path), 'utf8').replace(/\n$/, '').split('\n').map((line) => {
        const key = /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1];
        if (key === undefined || !pending.has(key)) return line;
        const value = pending.get(key)!;
        pending.delete(key);
        return `${key}=${value}`;
      });
      const added = [...pending].map(([key, value]) => `${key}=${value}`);
      writeFileSync(join(dir, path), [...lines, ...added, ''].join('\n'));
    },
    write(path, text) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
      projects.delete(project);
    },
  };
  projects.add(project);
  return project;
}

/**
 * docker-compose.yml as the guide's quick start resolves it: `cp .env.docker .env`, then
 * `docker-compose config` (plus `args`, e.g. more -f files), with `edits` made to .env first.
 */
export function guideConfig(edits: Record<string, string> = {}, args: string[] = []): any {
  const project = composeProject();
  try {
    project.sh('cp .env.docker .env');
    project.editDotenv('.env', edits);
    return project.config(args);
  } finally {
    project.remove();
  }
}

/**
 * The compose file as docker-compose resolves it (interpolation, anchors, merges) in the
 * repository itself, from a clean environment plus `env`, for files that need no .env.
 * Throws docker-compose's own message when the file is invalid.
 */
export function composeConfig(files: string[], env: Record<string, string> = {}, extraArgs: string[] = []): any {
  return parseYaml(dockerCompose([...files.flatMap((file) => ['-f', file]), ...extraArgs, 'config'], ROOT, env));
}

/** Reads a dotenv file (KEY=VALUE lines, # comments) as docker-compose does. */
export function readDotenv(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of readText(path).split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const at = line.indexOf('=');
    if (at <= 0) throw new Error(`${path}: '${line}' is not KEY=VALUE`);
    env[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return env;
}

/** Docker's memory sizes (512M, 2G, 512Mi…) and Kubernetes' in bytes; CPUs as a number. */
export function bytes(size: string | number): number {
  if (typeof size === 'number') return size;
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(i?)B?$/i.exec(size.trim());
  if (!match) throw new Error(`not a size: ${size}`);
  const power = ' KMGT'.indexOf(match[2]!.toUpperCase() || ' ');
  // Docker's K/M/G are binary units, as are Kubernetes' Ki/Mi/Gi.
  return Number(match[1]) * 1024 ** power;
}

export function cpus(value: string | number): number {
  if (typeof value === 'number') return value;
  return value.endsWith('m') ? Number(value.slice(0, -1)) / 1000 : Number(value);
}

/** A service's published ports, whichever form docker-compose prints them in. */
export function publishedPorts(service: any): { ip?: string; published: number; target: number }[] {
  return (service.ports ?? []).map((port: any) => {
    if (typeof port === 'object') return { ...(port.host_ip ? { ip: port.host_ip } : {}), published: Number(port.published), target: Number(port.target) };
    const parts = String(port).replace(/\/(tcp|udp)$/, '').split(':');
    const [target, published, ip] = parts.reverse();
    return { ...(ip ? { ip } : {}), published: Number(published), target: Number(target) };
  });
}

/** A service's volumes as source:target, whichever form docker-compose prints them in. */
export function volumeMounts(service: any): { source: string; target: string }[] {
  return (service.volumes ?? []).map((volume: any) => {
    if (typeof volume === 'object') return { source: volume.source, target: volume.target };
    const [source, target] = String(volume).split(':');
    return { source: source!, target: target! };
  });
}

// ---- DEPLOYMENT.md ------------------------------------------------------------------------

/** Variables named in the first column of the tables of a DEPLOYMENT.md section. */
export function documentedIn(section: string): Set<string> {
  const text = readText('DEPLOYMENT.md');
  const start = text.indexOf(`\n${section}\n`);
  if (start < 0) throw new Error(`DEPLOYMENT.md has no section '${section}'`);
  const level = /^#+/.exec(section)![0].length;
  const rest = text.slice(start + section.length + 2);
  const end = rest.search(new RegExp(`\\n#{1,${level}} `));
  const body = end < 0 ? rest : rest.slice(0, end);
  const names = new Set<string>();
  for (const row of body.matchAll(/^\| ([^|]+)\|/gm)) {
    for (const m of row[1]!.matchAll(/`([A-Z][A-Z0-9_]*(?:<NAME>)?)`/g)) names.add(m[1]!);
  }
  return names;
}

/** The limits DEPLOYMENT.md documents ("### Resource limits": service | CPUs | memory | replicas). */
export function documentedLimits(): Record<string, { cpus: number; memory: number }> {
  const section = /### Resource limits\n([\s\S]*?)\n##/.exec(readText('DEPLOYMENT.md'))?.[1];
  if (!section) throw new Error('DEPLOYMENT.md has no "### Resource limits" section');
  const limits: Record<string, { cpus: number; memory: number }> = {};
  for (const row of section.matchAll(/^\| `?([a-z-]+)`? \| ([\d.]+) \| (\d+[MG]) \|/gm)) {
    limits[row[1]!] = { cpus: Number(row[2]), memory: bytes(row[3]!) };
  }
  return limits;
}

export const SECRETS_AS_FILES = '### Secrets as files';

/** The secrets a Deployment of deploy/k8s/base mounts (its *_FILE variables). */
export function k8sSecretsOf(service: string): string[] {
  const [deployment] = readYamlDocuments(`deploy/k8s/base/${service}.yaml`);
  return (deployment.spec.template.spec.containers[0].env ?? []).map((e: { name: string }) => e.name.replace(/_FILE$/, '')).sort();
}
