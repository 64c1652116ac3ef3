// What the deployment tests share: the repository's paths, the Dockerfile read as data, compose
// files resolved by `docker-compose config`, and YAML manifests. Nothing here needs a Docker
// engine; a missing tool is an error (the test fails and says what to install), never a skip.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

/**
 * The compose file as docker-compose resolves it (interpolation, anchors, merges), from a clean
 * environment plus `env`. Throws docker-compose's own message when the file is invalid.
 */
export function composeConfig(files: string[], env: Record<string, string> = {}, extraArgs: string[] = []): any {
  const args = [...files.flatMap((file) => ['-f', file]), ...extraArgs, 'config'];
  let stdout: string;
  try {
    stdout = execFileSync('docker-compose', args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error('docker-compose is not installed: install Debian\'s docker-compose package (apt-get install docker-compose; .ci/run does it)');
    }
    throw new Error(`docker-compose ${args.join(' ')} failed:\n${e.stderr ?? e.message}`);
  }
  return parseYaml(stdout);
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
    if (typeof port === 'object') return { published: Number(port.published), target: Number(port.target) };
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

export const SECRETS_AS_FILES = '### Secrets as files';

/** The secrets a Deployment of deploy/k8s/base mounts (its *_FILE variables). */
export function k8sSecretsOf(service: string): string[] {
  const [deployment] = readYamlDocuments(`deploy/k8s/base/${service}.yaml`);
  return (deployment.spec.template.spec.containers[0].env ?? []).map((e: { name: string }) => e.name.replace(/_FILE$/, '')).sort();
}
