// DEPLOYMENT.md's configuration reference checked against the code, both ways: every variable a
// service (or the CLI) reads is documented, and every documented variable is read. The same for
// the variables the compose files substitute, and for the names .env.docker and the Kubernetes
// ConfigMap/Secret set.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, SECRETS_AS_FILES, documentedIn, readDotenv, readText, readYamlDocuments } from './support.ts';

/** Where configuration is read: the services, the shared packages, the CLI (not the test kit). */
const SOURCE_ROOTS = ['services', 'packages', 'apps'];
const NOT_SHIPPED = /(^|\/)(tests?|fixtures|node_modules)\/|\.test\.ts$|^packages\/testkit\//;

function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      const rel = relative(ROOT, path);
      if (NOT_SHIPPED.test(rel + (statSync(path).isDirectory() ? '/' : ''))) continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && rel.includes('/src/')) files.push(rel);
    }
  };
  for (const root of SOURCE_ROOTS) walk(join(ROOT, root));
  return files;
}

/** The body of every `z.object({ … })` (balanced braces), whose upper-case keys are variables. */
function zodObjectBodies(source: string): string[] {
  const bodies: string[] = [];
  for (const match of source.matchAll(/z\s*\.\s*object\(\s*\{/g)) {
    let depth = 1;
    let i = match.index! + match[0].length;
    const start = i;
    for (; i < source.length && depth > 0; i += 1) {
      if (source[i] === '{') depth += 1;
      else if (source[i] === '}') depth -= 1;
    }
    bodies.push(source.slice(start, i - 1));
  }
  return bodies;
}

interface CodeVariables {
  /** Variable → files that read it. */
  names: Map<string, Set<string>>;
  /** Variable → files that read it as a plain value, without the NAME_FILE convention. */
  withoutFile: Map<string, Set<string>>;
  /** Prefixes of variable families (BATON_SECRET_<NAME>) → files. */
  families: Map<string, Set<string>>;
}

function variablesReadByCode(): CodeVariables {
  const names = new Map<string, Set<string>>();
  const withoutFile = new Map<string, Set<string>>();
  const families = new Map<string, Set<string>>();
  const add = (map: Map<string, Set<string>>, name: string, file: string) => map.set(name, (map.get(name) ?? new Set()).add(file));
  const NAME = '([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{3,})';
  // readEnv and the helpers built on it honour NAME_FILE; the other ways read the plain value.
  const helper = new RegExp(`\\b(?:readEnv|readInt|readBool)\\(\\s*[\\w.]+\\s*,\\s*['"]${NAME}['"]`, 'g');
  const plain = [new RegExp(`\\benv\\.${NAME}\\b`, 'g'), new RegExp(`\\benv\\[\\s*['"]${NAME}['"]\\s*\\]`, 'g')];
  const files = sourceFiles();
  const sources = new Map(files.map((file) => [file, readFileSync(join(ROOT, file), 'utf8')]));
  for (const [file, source] of sources) {
    const readPlain = (name: string, at: number) => {
      add(names, name, file);
      // A plain read still honours the convention when the file also reads NAME_FILE itself, and
      // it is no service's read when it sits in a function nothing calls (a library helper).
      if (new RegExp(`\\b${name}_FILE\\b`).test(source)) return;
      const enclosing = [...source.slice(0, at).matchAll(/\bfunction\s+(\w+)\s*\(/g)].at(-1)?.[1];
      const called = enclosing === undefined || [...sources].some(([other, text]) => (text.match(new RegExp(`\\b${enclosing}\\b`, 'g'))?.length ?? 0) > (other === file ? 1 : 0));
      if (called) add(withoutFile, name, file);
    };
    for (const m of source.matchAll(helper)) add(names, m[1]!, file);
    for (const pattern of plain) for (const m of source.matchAll(pattern)) readPlain(m[1]!, m.index!);
    // Environment schemas validated with zod: `const EnvSchema = z.object({ DB_HOST: …, … })`.
    for (const body of zodObjectBodies(source)) {
      for (const m of body.matchAll(new RegExp(`^\\s*${NAME}\\s*:`, 'gm'))) readPlain(m[1]!, source.indexOf(body));
    }
    // Families read by prefix (`const PREFIX = 'BATON_SECRET_'`, `key.startsWith('HTTP_WORKER_')`)
    // in files that read the environment (elsewhere such prefixes are error codes and the like).
    if (/\breadEnv\(|process\.env\b|\benv: Env\b/.test(source)) {
      for (const m of source.matchAll(/(?:PREFIX\s*=|startsWith\()\s*'([A-Z][A-Z0-9_]*_)'/g)) add(families, m[1]!, file);
    }
  }
  return { names, withoutFile, families };
}

const SERVICE_SECTION = '## Environment';
const COMPOSE_SECTION = '### Compose variables';
const SECRETS_SECTION = SECRETS_AS_FILES;

describe('the configuration reference (DEPLOYMENT.md) and the code', () => {
  const code = variablesReadByCode();
  const documented = documentedIn(SERVICE_SECTION);
  const composeDocumented = documentedIn(COMPOSE_SECTION);
  for (const name of composeDocumented) documented.delete(name);
  const isFileVariant = (name: string) => name.endsWith('_FILE') && documented.has(name.slice(0, -'_FILE'.length));

  it('finds what the services read, whichever way they read it', () => {
    // One of each reading style, so that an extractor gone blind fails here, not silently.
    for (const name of ['DB_HOST', 'REDIS_URL', 'LOG_LEVEL', 'ORCHESTRATOR_PORT', 'HTTP_WORKER_CONCURRENCY', 'RUNNER_BATCH_SIZE', 'FANOUT_PORT', 'BATON_SECRETS_FILE']) {
      expect([...code.names.keys()], name).toContain(name);
    }
    expect([...code.families.keys()]).toContain('BATON_SECRET_');
  });

  it('documents every variable the code reads', () => {
    const undocumented = [...code.names.keys()].filter((name) => !documented.has(name) && !isFileVariant(name));
    expect(undocumented.map((name) => `${name} (read in ${[...code.names.get(name)!].join(', ')})`)).toEqual([]);
    for (const family of code.families.keys()) {
      const covered = documented.has(`${family}<NAME>`) || [...documented].some((name) => name.startsWith(family));
      expect(covered, `variables ${family}* are read (${[...code.families.get(family)!].join(', ')}) but none is documented`).toBe(true);
    }
  });

  it('documents no variable the code ignores', () => {
    const ignored = [...documented].filter((name) => {
      if (name.endsWith('<NAME>')) return !code.families.has(name.slice(0, -'<NAME>'.length));
      return !code.names.has(name);
    });
    expect(ignored).toEqual([]);
  });

  it('every secret can be given as a file (NAME_FILE), wherever it is read', () => {
    const secrets = documentedIn(SECRETS_SECTION);
    for (const name of ['DB_PASSWORD', 'OPENAI_API_KEY', 'BATON_API_KEY', 'REDIS_URL']) expect([...secrets], name).toContain(name);
    // The services' processes (the `baton` command is a client: its BATON_API_KEY is a plain value).
    const inServices = (name: string) => [...(code.withoutFile.get(name) ?? [])].filter((file) => !file.startsWith('apps/'));
    const plainOnly = [...secrets].filter((name) => inServices(name).length > 0).map((name) => `${name} (${inServices(name).join(', ')})`);
    expect(plainOnly).toEqual([]);
  });
});

describe('the variables deployment files use', () => {
  const code = variablesReadByCode();
  const documented = documentedIn(SERVICE_SECTION);
  const composeDocumented = documentedIn(COMPOSE_SECTION);
  const known = (name: string) => documented.has(name) || (name.endsWith('_FILE') && documented.has(name.slice(0, -5)));

  it('compose files substitute only documented variables, and every compose variable is used', () => {
    const substituted = new Set<string>();
    for (const file of ['docker-compose.yml', 'docker-compose.dev.yml', 'docker-compose.prod.yml']) {
      for (const m of readText(file).matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)) substituted.add(m[1]!);
    }
    expect([...substituted].filter((name) => !known(name) && !composeDocumented.has(name))).toEqual([]);
    expect([...composeDocumented].filter((name) => !substituted.has(name))).toEqual([]);
    // A compose variable is one no service reads (else it belongs in the main reference).
    expect([...composeDocumented].filter((name) => code.names.has(name))).toEqual([]);
  });

  it('.env.docker sets only documented variables', () => {
    const names = Object.keys(readDotenv('.env.docker'));
    expect(names.filter((name) => !known(name) && !composeDocumented.has(name))).toEqual([]);
  });

  it('the Kubernetes ConfigMap and Secret hold only documented variables', () => {
    const keys = ['deploy/k8s/base/configmap.yaml', 'deploy/k8s/base/secret.yaml'].flatMap((file) => readYamlDocuments(file).flatMap((doc) => Object.keys(doc.data ?? doc.stringData ?? {})));
    expect(keys.length).toBeGreaterThan(5);
    expect(keys.filter((name) => !known(name))).toEqual([]);
  });
});
