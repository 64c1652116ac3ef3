// The compose files and the Dockerfile against the deployment guide (ARCHITECTURE.md §1). Each
// compose file is resolved by docker-compose itself (`docker-compose config`: schema, anchors,
// interpolation, env_file), after the guide's step 1 (`cp .env.docker .env`); the invariants are
// then checked on what docker-compose would run. The guide's command sequences themselves (edits
// of .env, the production overlay, the development file) are in guide-commands.test.ts.
import { describe, expect, it } from 'vitest';
import {
  GUIDE_LIMITS, GUIDE_PORTS, NODE_SERVICES, SCALED_SERVICES, SECRETS_AS_FILES, bytes, composeConfig, documentedIn, documentedLimits, guideConfig, imageSettings, k8sSecretsOf, parseDockerfile,
  publishedPorts, readDotenv, readText, readYamlDocuments, volumeMounts, type NodeService,
} from './support.ts';

function healthcheckUrl(test: string[] | string): string {
  const text = Array.isArray(test) ? test.join(' ') : test;
  const url = /http:\/\/127\.0\.0\.1:(\d+)\/health/.exec(text);
  if (!url) throw new Error(`healthcheck does not call /health on a port: ${text}`);
  return url[1]!;
}

describe('docker-compose.yml (the guide)', () => {
  const config = guideConfig();
  const services = config.services as Record<string, any>;
  const rawServices = readYamlDocuments('docker-compose.yml')[0].services as Record<string, any>;

  it('has exactly the 8 services of the guide', () => {
    expect(Object.keys(services).sort()).toEqual(Object.keys(GUIDE_PORTS).sort());
  });

  it('publishes only the public ports (8081, 8085); the others are exposed on the network', () => {
    const published = Object.entries(services).flatMap(([name, s]) => publishedPorts(s).map((p) => `${name}:${p.published}:${p.target}`));
    expect(published.sort()).toEqual(['fanout:8085:8085', 'orchestrator:8081:8081']);
    for (const name of ['workflow-runner', 'http-worker', 'hitl-worker', 'agent-runner'] as const) {
      expect(services[name].expose, name).toEqual([String(GUIDE_PORTS[name])]);
    }
  });

  it('gives every service a healthcheck on its own port (pg_isready, redis-cli ping, GET /health)', () => {
    expect(services.postgres.healthcheck.test.join(' ')).toMatch(/pg_isready/);
    expect(services.redis.healthcheck.test).toEqual(['CMD', 'redis-cli', 'ping']);
    for (const name of NODE_SERVICES) expect(healthcheckUrl(services[name].healthcheck.test), name).toBe(String(GUIDE_PORTS[name]));
  });

  it('keeps state in the volumes postgres_data and redis_data, named as the guide\'s backups name them; Redis writes an append-only file', () => {
    expect(Object.keys(config.volumes).sort()).toEqual(['postgres_data', 'redis_data']);
    // Fixed names: the compose project is named after the folder (a temporary one here).
    expect(config.volumes.postgres_data.name).toBe('orchestrator_postgres_data');
    expect(config.volumes.redis_data.name).toBe('orchestrator_redis_data');
    expect(volumeMounts(services.postgres)).toEqual([{ source: 'postgres_data', target: '/var/lib/postgresql/data' }]);
    expect(volumeMounts(services.redis)).toEqual([{ source: 'redis_data', target: '/data' }]);
    const command = services.redis.command.join(' ');
    expect(command).toMatch(/--appendonly yes/);
    expect(services.postgres.image).toMatch(/^postgres:15/);
    expect(services.redis.image).toMatch(/^redis:7/);
  });

  it('puts every service on orchestrator-net', () => {
    expect(Object.keys(config.networks)).toEqual(['orchestrator-net']);
    for (const [name, s] of Object.entries(services)) expect(Object.keys(s.networks), name).toEqual(['orchestrator-net']);
  });

  it('names the API container orchestrator-api and no scalable service', () => {
    expect(services.orchestrator.container_name).toBe('orchestrator-api');
    for (const name of SCALED_SERVICES) expect(services[name].container_name, name).toBeUndefined();
  });

  it('orders the start: the runner and the fanout after a healthy orchestrator, everything after healthy infrastructure', () => {
    const conditions = (name: string) => Object.fromEntries(Object.entries(services[name].depends_on ?? {}).map(([k, v]: [string, any]) => [k, v.condition]));
    expect(conditions('orchestrator')).toEqual({ postgres: 'service_healthy', redis: 'service_healthy' });
    expect(conditions('workflow-runner')).toEqual({ orchestrator: 'service_healthy', postgres: 'service_healthy', redis: 'service_healthy' });
    expect(conditions('fanout')).toEqual({ orchestrator: 'service_healthy', redis: 'service_healthy' });
    for (const worker of ['http-worker', 'hitl-worker', 'agent-runner']) expect(conditions(worker), worker).toEqual({ redis: 'service_healthy' });
  });

  it('limits CPU and memory of every service as the guide\'s table, which DEPLOYMENT.md copies', () => {
    const documented = documentedLimits();
    const guide = Object.fromEntries(Object.entries(GUIDE_LIMITS).map(([name, l]) => [name, { cpus: l.cpus, memory: bytes(l.memory) }]));
    expect(documented).toEqual(guide);
    for (const [name, s] of Object.entries(services)) {
      const limits = s.deploy?.resources?.limits;
      expect(limits, `${name} has no deploy.resources.limits`).toBeDefined();
      expect({ cpus: Number(limits.cpus), memory: bytes(limits.memory) }, name).toEqual(documented[name]);
    }
  });

  it('gives each service only the secrets it uses (the same as its Kubernetes Deployment mounts)', () => {
    // The secrets: what the Kubernetes Secret holds (each documented as a secret DEPLOYMENT.md).
    const secrets = Object.keys(readYamlDocuments('deploy/k8s/base/secret.yaml')[0].stringData);
    expect(secrets.filter((name) => !documentedIn(SECRETS_AS_FILES).has(name))).toEqual([]);
    expect(secrets.filter((name) => !(name in readDotenv('.env.docker')))).toEqual([]);
    for (const name of NODE_SERVICES) {
      const blanked = Object.fromEntries(Object.entries(rawServices[name].environment ?? {}).filter(([key]) => key !== '<<'));
      for (const [key, value] of Object.entries(blanked)) expect([key, value], `${name} may only blank secrets`).toEqual([expect.toBeOneOf(secrets), '']);
      const kept = secrets.filter((key) => !(key in blanked)).sort();
      expect(kept, name).toEqual(k8sSecretsOf(name));
    }
  });

  it('runs the guide\'s replicas by default (2 http-workers, 2 agent-runners); HTTP_WORKER_REPLICAS / AGENT_WORKER_REPLICAS in .env change them', () => {
    for (const [name, { replicas }] of Object.entries(GUIDE_LIMITS)) expect(services[name].deploy.replicas ?? 1, name).toBe(replicas);
    const scaled = guideConfig({ HTTP_WORKER_REPLICAS: '5', AGENT_WORKER_REPLICAS: '3' }).services;
    expect(scaled['http-worker'].deploy.replicas).toBe(5);
    expect(scaled['agent-runner'].deploy.replicas).toBe(3);
  });

  it('builds each service from its own target of deploy/Dockerfile and gives it the settings of .env (copied from .env.docker)', () => {
    const targets = parseDockerfile().stages.map((s) => s.name);
    for (const name of NODE_SERVICES) {
      expect(services[name].build, name).toMatchObject({ dockerfile: 'deploy/Dockerfile', target: name });
      expect(targets).toContain(name);
      const blanked = Object.keys(rawServices[name].environment ?? {}).filter((key) => key !== '<<');
      const expected = { ...readDotenv('.env.docker'), ...Object.fromEntries(blanked.map((key) => [key, ''])) };
      expect(services[name].environment, name).toEqual(expected);
      // Time for a graceful stop (finish or hand back in-flight tasks) before SIGKILL.
      expect(services[name].stop_grace_period, name).toBe('30s');
    }
  });
});

describe('docker-compose.dev.yml (infrastructure for local development)', () => {
  const services = composeConfig(['docker-compose.dev.yml']).services as Record<string, any>;

  it('holds only PostgreSQL and Redis, on localhost ports the Makefile points at', () => {
    expect(Object.keys(services).sort()).toEqual(['dev-postgres', 'dev-redis']);
    expect(publishedPorts(services['dev-postgres'])).toEqual([{ ip: '127.0.0.1', published: 5432, target: 5432 }]);
    expect(publishedPorts(services['dev-redis'])).toEqual([{ ip: '127.0.0.1', published: 6379, target: 6379 }]);
    expect(services['dev-postgres'].image).toMatch(/^postgres:15/);
    expect(services['dev-redis'].command.join(' ')).toMatch(/--appendonly yes/);
    const makefile = readText('Makefile');
    expect(makefile).toMatch(/DB_HOST\s+\?= localhost/);
    expect(makefile).toMatch(/REDIS_URL\s+\?= redis:\/\/localhost:6379/);
    expect(makefile).toMatch(/^TSX_WATCH\s+:= node_modules\/\.bin\/tsx watch/m);
    for (const name of NODE_SERVICES) {
      expect(makefile).toMatch(new RegExp(`^start-${name}:[^\\n]*\\n\\t\\$\\(DEV_ENV\\) .*\\$\\(TSX_WATCH\\) services/${name}/src/main\\.ts$`, 'm'));
    }
  });
});

describe('deploy/Dockerfile', () => {
  const dockerfile = parseDockerfile();

  it.each(NODE_SERVICES.map((s) => [s]))('%s: node:20-alpine, non-root, STOPSIGNAL SIGTERM, HEALTHCHECK on its port, runs its bundle', (name: NodeService) => {
    const image = imageSettings(name, dockerfile);
    expect(image.baseImage).toBe('node:20-alpine');
    expect(image.chain).toEqual(['runtime', name]);
    expect(image.user).toBe('node');
    expect(image.stopSignal).toBe('SIGTERM');
    expect(image.expose).toEqual([GUIDE_PORTS[name]]);
    expect(image.cmd).toEqual(['node', `dist/${name}/main.mjs`]);
    const port = name === 'orchestrator' ? image.env.ORCHESTRATOR_PORT : image.env.PORT;
    expect(port).toBe(String(GUIDE_PORTS[name]));
    // busybox wget (no curl in alpine), on the port variable the service itself reads.
    expect(image.healthcheck).toMatch(/CMD wget -q -T \d+ -O \/dev\/null "http:\/\/127\.0\.0\.1:\$\{(ORCHESTRATOR_PORT|FANOUT_PORT:-\$PORT|PORT)\}\/health"/);
    // Only its own bundle (and, for the orchestrator, the migrations) from the build stage.
    const fromBuild = image.copies.filter((c) => c.startsWith('--from=build')).map((c) => c.split(/\s+/)[1]);
    expect(fromBuild).toEqual(['/app/dist/package.json', '/app/node_modules/jq-wasm', ...(name === 'orchestrator' ? ['/app/dist/migrations'] : []), `/app/dist/${name}`]);
  });

  it('builds with npm ci from the lockfile, bundles without source maps, and ships no other dependency', () => {
    const build = dockerfile.stages.find((s) => s.name === 'build')!;
    const runs = build.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs).toEqual(['npm ci --no-audit --no-fund', 'npm run build -- --no-sourcemap']);
    expect(JSON.parse(readText('package.json')).scripts.build).toBe('node scripts/build.mjs');
    const runtime = imageSettings('runtime', dockerfile);
    expect(runtime.env.NODE_ENV).toBe('production');
    expect(runtime.copies.some((c) => /node_modules(?!\/jq-wasm)/.test(c))).toBe(false);
  });

  it('.dockerignore keeps dependencies, build output, state and secrets out of the build context', () => {
    const ignored = readText('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const entry of ['.git', '**/node_modules', 'dist', 'data', '.env', '.env.*', 'secrets']) expect(ignored).toContain(entry);
    // npm ci needs every workspace's package.json and the lockfile.
    for (const entry of ['package.json', 'package-lock.json', 'packages', 'services', 'apps', 'scripts']) expect(ignored).not.toContain(entry);
  });
});
