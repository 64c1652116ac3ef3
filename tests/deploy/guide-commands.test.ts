// The guide's command sequences, typed as an operator types them in a fresh copy of the deployment
// files, and resolved by docker-compose itself (`docker-compose config`; no engine needed):
// the quick start (`cp .env.docker .env`, edit .env, `docker-compose up -d`; and `make up`), the
// production overlay (`-f docker-compose.yml -f docker-compose.prod.yml`), the development file
// (`docker-compose -f docker-compose.dev.yml up -d`), and the backups' volume names.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readEnv } from '@baton/runtime';
import { NODE_SERVICES, composeProject, k8sSecretsOf, publishedPorts, readDotenv, readText, removeComposeProjects, type ComposeProject } from './support.ts';

/** The secrets of .env.docker (what the Kubernetes Secret holds). */
const SECRETS = ['BATON_API_KEY', 'BATON_APPROVAL_SECRET', 'BATON_STREAM_TOKEN_SECRET', 'DB_PASSWORD', 'OPENAI_API_KEY'];
/** The services of docker-compose.yml that read PostgreSQL's credentials. */
const DATABASE_CLIENTS = ['orchestrator', 'workflow-runner', 'fanout'] as const;

let project: ComposeProject;
afterEach(removeComposeProjects);

/** What a service sees of each secret (blank: the service does not hold it). */
function secretsSeen(services: Record<string, any>, name: string): Record<string, string> {
  return Object.fromEntries(SECRETS.map((key) => [key, services[name].environment[key]]));
}

describe('DEPLOYMENT.md follows the guide', () => {
  it('walks the guide\'s sections in its order', () => {
    const sections = [...readText('DEPLOYMENT.md').matchAll(/^## (.+)$/gm)].map((m) => m[1]!.toLowerCase());
    expect(sections).toEqual(['quick start', 'services', 'environment', 'health checks', 'scaling', 'logs and monitoring', 'backups', 'troubleshooting', 'production']);
  });

  it('gives the guide\'s quick start: copy, edit, build, start, check, logs, stop', () => {
    const block = /## Quick start\n+```sh\n([\s\S]*?)```/.exec(readText('DEPLOYMENT.md'))?.[1] ?? '';
    const commands = block.split('\n').map((line) => line.replace(/\s+#.*$/, '').trim()).filter((line) => line && !line.startsWith('#'));
    const steps = ['cp .env.docker .env', '$EDITOR .env', 'docker-compose build', 'docker-compose up -d', 'docker-compose ps', 'docker-compose logs -f', 'docker-compose down'];
    expect(commands.filter((command) => steps.includes(command))).toEqual(steps);
  });
});

describe('quick start: cp .env.docker .env, edit .env, docker-compose up -d', () => {
  it('gives PostgreSQL and every service the values edited in .env', () => {
    project = composeProject();
    project.sh('cp .env.docker .env');
    project.editDotenv('.env', { DB_USER: 'baton', DB_PASSWORD: 'edited-db-password', DB_NAME: 'batondb', OPENAI_API_KEY: 'sk-edited', BATON_API_KEY: 'bt_edited_admin_key_0123', LOG_LEVEL: 'debug' });
    const services = project.config().services;
    expect(services.postgres.environment).toMatchObject({ POSTGRES_USER: 'baton', POSTGRES_PASSWORD: 'edited-db-password', POSTGRES_DB: 'batondb' });
    for (const name of DATABASE_CLIENTS) {
      expect(services[name].environment, name).toMatchObject({ DB_USER: 'baton', DB_PASSWORD: 'edited-db-password', DB_NAME: 'batondb', DB_HOST: 'postgres' });
    }
    expect(services['agent-runner'].environment.OPENAI_API_KEY).toBe('sk-edited');
    expect(services.orchestrator.environment.BATON_API_KEY).toBe('bt_edited_admin_key_0123');
    for (const name of NODE_SERVICES) {
      expect(services[name].environment.LOG_LEVEL, name).toBe('debug');
      // Each secret reaches the services that use it (as in Kubernetes), and no other.
      for (const [key, value] of Object.entries(secretsSeen(services, name))) {
        const edited = { DB_PASSWORD: 'edited-db-password', OPENAI_API_KEY: 'sk-edited', BATON_API_KEY: 'bt_edited_admin_key_0123' }[key] ?? '';
        expect(value, `${name} ${key}`).toBe(k8sSecretsOf(name).includes(key) ? edited : '');
      }
    }
  });

  it('passes any other variable of the reference added to .env to every service', () => {
    project = composeProject();
    project.sh('cp .env.docker .env');
    project.editDotenv('.env', { HTTP_WORKER_ALLOW_PRIVATE: 'false', BATON_RETENTION: 'P7D' });
    const services = project.config().services;
    for (const name of NODE_SERVICES) expect(services[name].environment, name).toMatchObject({ HTTP_WORKER_ALLOW_PRIVATE: 'false', BATON_RETENTION: 'P7D' });
  });

  it('lets the shell override a setting of .env for PostgreSQL and the services alike', () => {
    project = composeProject();
    project.sh('cp .env.docker .env');
    const services = project.config([], { DB_PASSWORD: 'from-the-shell' }).services;
    expect(services.postgres.environment.POSTGRES_PASSWORD).toBe('from-the-shell');
    for (const name of DATABASE_CLIENTS) expect(services[name].environment.DB_PASSWORD, name).toBe('from-the-shell');
  });

  it('reads only .env: an edit of the template .env.docker changes no service, and without .env compose says what is missing', () => {
    project = composeProject();
    expect(() => project.config()).toThrow(/\.env/);
    project.sh('cp .env.docker .env');
    const before = project.config().services;
    project.editDotenv('.env.docker', { DB_PASSWORD: 'template-edit', OPENAI_API_KEY: 'sk-template-edit' });
    const after = project.config().services;
    expect(after).toEqual(before);
    expect(after.postgres.environment.POSTGRES_PASSWORD).toBe('orchestrator');
    for (const name of DATABASE_CLIENTS) expect(after[name].environment.DB_PASSWORD, name).toBe('orchestrator');
  });

  it('make up copies .env.docker to .env when it is missing (never over an edited .env), then rebuilds and starts the same files', () => {
    project = composeProject();
    // COMPOSE=echo prints the docker-compose command make would run.
    expect(project.sh('make -s up COMPOSE=echo')).toBe('created .env from .env.docker: the settings of every service (edit it, then make up again)\n-f docker-compose.yml up -d --build\n');
    expect(readFileSync(join(project.dir, '.env'), 'utf8')).toBe(readText('.env.docker'));
    project.editDotenv('.env', { DB_PASSWORD: 'edited-db-password' });
    expect(project.sh('make -s up COMPOSE=echo')).toBe('-f docker-compose.yml up -d --build\n');
    expect(readDotenv('.env.docker').DB_PASSWORD).toBe('orchestrator');
    const services = project.config(['-f', 'docker-compose.yml']).services;
    expect(services.postgres.environment.POSTGRES_PASSWORD).toBe('edited-db-password');
    for (const name of DATABASE_CLIENTS) expect(services[name].environment.DB_PASSWORD, name).toBe('edited-db-password');
    for (const target of ['build', 'down', 'logs', 'ps']) expect(project.sh(`make -s ${target} COMPOSE=echo`), target).toMatch(/^-f docker-compose\.yml /);
  });
});

describe('backups: the guide\'s volume names', () => {
  it('docker run -v orchestrator_postgres_data / orchestrator_redis_data mounts the volumes the stack writes', () => {
    project = composeProject();
    project.sh('cp .env.docker .env');
    const config = project.config();
    const volumes = new Set(Object.values(config.volumes).map((v: any) => v.name));
    expect([...volumes].sort()).toEqual(['orchestrator_postgres_data', 'orchestrator_redis_data']);
    // Every named volume the DEPLOYMENT.md commands mount is one of them.
    const mounted = [...readText('DEPLOYMENT.md').matchAll(/-v ([\w.-]+):\/\S*/g)].map((m) => m[1]!);
    expect(new Set(mounted)).toEqual(volumes);
  });
});

describe('production: docker-compose -f docker-compose.yml -f docker-compose.prod.yml up -d', () => {
  const PROD = { BATON_VERSION: '1.2.3', BATON_PUBLIC_URL: 'https://baton.example.com', BATON_PUBLISH_ADDRESS: '127.0.0.1' };
  const SECRET_FILES = { db_password: 'db-secret', baton_api_key: 'bt_api_secret_0123456789', openai_api_key: 'sk-secret', approval_secret: 'approval-secret-0123456789', stream_token_secret: 'stream-secret-0123456789-0123456789' };

  function prodProject(edits: Record<string, string>): ComposeProject {
    project = composeProject();
    project.sh('cp .env.docker .env');
    // .env still holds values of the secrets (the template's, or an operator's): the files must win.
    project.editDotenv('.env', { OPENAI_API_KEY: 'sk-left-in-env', BATON_API_KEY: 'bt_left_in_env_0123456', ...edits });
    for (const [name, value] of Object.entries(SECRET_FILES)) project.write(`secrets/${name}`, `${value}\n`);
    return project;
  }

  it('every secret a service uses comes from its file, whatever .env says (the service reads NAME, else NAME_FILE)', () => {
    const services = prodProject(PROD).config(['-f', 'docker-compose.yml', '-f', 'docker-compose.prod.yml']).services;
    const expected: Record<string, string> = { DB_PASSWORD: 'db-secret', BATON_API_KEY: 'bt_api_secret_0123456789', OPENAI_API_KEY: 'sk-secret', BATON_APPROVAL_SECRET: 'approval-secret-0123456789', BATON_STREAM_TOKEN_SECRET: 'stream-secret-0123456789-0123456789' };
    for (const name of NODE_SERVICES) {
      const environment = services[name].environment as Record<string, string>;
      const mounted = (services[name].secrets ?? []).map((s: any) => s.source as string);
      // The container's /run/secrets/<secret> is the project's secrets/<secret>.
      const inContainer = Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, key.endsWith('_FILE') ? value.replace(/^\/run\/secrets\/(\w+)$/, (_, secret: string) => {
        expect(mounted, `${name}: ${key}`).toContain(secret);
        return join(project.dir, 'secrets', secret);
      }) : value]));
      for (const key of SECRETS) {
        expect(readEnv(inContainer, key) ?? '', `${name} ${key}`).toBe(k8sSecretsOf(name).includes(key) ? expected[key] : '');
      }
      expect(Object.keys(environment).filter((key) => key.endsWith('_FILE')).map((key) => key.slice(0, -5)).sort(), name).toEqual(k8sSecretsOf(name));
      expect(services[name].image, name).toBe(`baton/${name}:1.2.3`);
    }
    // The bundled PostgreSQL takes its password from the same file (its entrypoint reads *_FILE when the value is empty).
    expect(services.postgres.environment).toMatchObject({ POSTGRES_PASSWORD: '', POSTGRES_PASSWORD_FILE: '/run/secrets/db_password' });
    expect(services.postgres.secrets.map((s: any) => s.source)).toEqual(['db_password']);
  });

  it('publishes only nginx on every interface; the API and the fanout on 127.0.0.1 for it', () => {
    const services = prodProject(PROD).config(['-f', 'docker-compose.yml', '-f', 'docker-compose.prod.yml']).services;
    const published = Object.entries(services).flatMap(([name, s]) => publishedPorts(s).map((p) => `${name} ${p.ip ?? '*'}:${p.published}`));
    expect(published.sort()).toEqual(['fanout 127.0.0.1:8085', 'nginx *:443', 'nginx *:80', 'orchestrator 127.0.0.1:8081']);
    expect(services['http-worker'].environment.HTTP_WORKER_ALLOW_PRIVATE).toBe('false');
  });

  it('an external PostgreSQL is DB_HOST in .env; compose refuses to start without a pinned BATON_VERSION', () => {
    const services = prodProject({ ...PROD, DB_HOST: 'db.internal.example.com' }).config(['-f', 'docker-compose.yml', '-f', 'docker-compose.prod.yml']).services;
    for (const name of DATABASE_CLIENTS) expect(services[name].environment.DB_HOST, name).toBe('db.internal.example.com');
    const unpinned = prodProject({ BATON_PUBLIC_URL: PROD.BATON_PUBLIC_URL });
    expect(() => unpinned.config(['-f', 'docker-compose.yml', '-f', 'docker-compose.prod.yml'])).toThrow(/set BATON_VERSION/);
  });
});

describe('development: docker-compose -f docker-compose.dev.yml up -d', () => {
  it('shares no container, volume, network or port with the main stack run from the same folder', () => {
    project = composeProject();
    project.sh('cp .env.docker .env');
    const main = project.config();
    const dev = project.config(['-f', 'docker-compose.dev.yml']);
    const names = (config: any) => ({
      services: Object.keys(config.services),
      containers: Object.values(config.services).map((s: any) => s.container_name).filter(Boolean),
      volumes: Object.entries(config.volumes ?? {}).map(([key, v]: [string, any]) => v?.name ?? key),
      networks: Object.entries(config.networks ?? {}).map(([key, n]: [string, any]) => n?.name ?? key),
      ports: Object.values(config.services).flatMap((s: any) => publishedPorts(s).map((p) => p.published)),
    });
    const [m, d] = [names(main), names(dev)];
    for (const key of Object.keys(m) as (keyof typeof m)[]) {
      expect(d[key].filter((name) => (m[key] as unknown[]).includes(name)), key).toEqual([]);
    }
    // Named volumes and network: the same whatever the project is called (make dev-up: baton-dev).
    expect(d.volumes.sort()).toEqual(['baton-dev_postgres_data', 'baton-dev_redis_data']);
    expect(project.sh('make -s dev-up COMPOSE=echo')).toBe('-p baton-dev -f docker-compose.dev.yml up -d --remove-orphans\n');
  });
});
