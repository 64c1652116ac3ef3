// The Kubernetes manifests (deploy/k8s): every object passes the Kubernetes OpenAPI schema
// (kubernetes-models' validate(), generated from the API server's own schema), every kustomization
// lists files that exist, and the Deployments keep the guide: ports, probes, limits equal to
// docker-compose.yml's, non-root, secrets as files, service links off.
import { existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { describe, expect, it } from 'vitest';
import { GUIDE_PORTS, NODE_SERVICES, ROOT, bytes, cpus, guideConfig, readYamlDocuments } from './support.ts';

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/Ingress': Ingress,
};

interface Kustomization {
  dir: string;
  resources: string[];
}

/** A kustomization and, recursively, the kustomizations it uses as resources. */
function kustomizations(dir: string): Kustomization[] {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(join(ROOT, file))) throw new Error(`${dir} has no kustomization.yaml`);
  const [doc] = readYamlDocuments(file);
  expect(doc).toMatchObject({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' });
  const own: Kustomization = { dir, resources: doc.resources ?? [] };
  const nested = own.resources.map((r) => join(dir, r)).filter((path) => existsSync(join(ROOT, path)) && statSync(join(ROOT, path)).isDirectory());
  return [own, ...nested.flatMap((path) => kustomizations(path))];
}

/** Every object the kustomization tree deploys, with the file it comes from. */
function objects(dir: string): { file: string; doc: any }[] {
  return kustomizations(dir).flatMap((k) =>
    k.resources
      .map((r) => join(k.dir, r))
      .filter((path) => statSync(join(ROOT, path)).isFile())
      .flatMap((file) => readYamlDocuments(file).map((doc) => ({ file, doc }))),
  );
}

describe('deploy/k8s', () => {
  it('every kustomization lists only resources that exist, and none includes a folder that contains it', () => {
    for (const k of [...kustomizations('deploy/k8s'), ...kustomizations('deploy/k8s/demo')]) {
      expect(k.resources.length, k.dir).toBeGreaterThan(0);
      for (const resource of k.resources) {
        expect(existsSync(join(ROOT, k.dir, resource)), `${k.dir}: ${resource}`).toBe(true);
        // kustomize refuses such a base ("cycle detected: candidate root … contains visited root").
        const base = relative(join(ROOT, k.dir, resource), join(ROOT, k.dir));
        expect(base === '' || !base.startsWith('..'), `${k.dir}: ${resource} contains the kustomization itself`).toBe(false);
      }
    }
  });

  it('every object passes the Kubernetes schema', () => {
    const all = objects('deploy/k8s/demo');
    expect(all.length).toBeGreaterThan(15);
    for (const { file, doc } of all) {
      const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
      expect(Model, `${file}: no schema for ${doc.apiVersion} ${doc.kind}`).toBeDefined();
      expect(() => new Model!(doc).validate(), `${file}: ${doc.kind} ${doc.metadata?.name}`).not.toThrow();
    }
  });

  it('the validation rejects what it should (a broken Deployment fails)', () => {
    const [deployment] = readYamlDocuments('deploy/k8s/base/orchestrator.yaml');
    const broken = structuredClone(deployment);
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'eighty';
    expect(() => new Deployment(broken).validate()).toThrow(/containerPort/);
  });

  const all = objects('deploy/k8s');
  const byKind = (kind: string) => all.filter((o) => o.doc.kind === kind).map((o) => o.doc);
  const deployments = Object.fromEntries(byKind('Deployment').map((d) => [d.metadata.name, d]));
  const services = Object.fromEntries(byKind('Service').map((s) => [s.metadata.name, s]));
  const compose = guideConfig().services;

  it('has a Deployment and a Service for each of the six services, on the guide\'s ports', () => {
    expect(Object.keys(deployments).sort()).toEqual([...NODE_SERVICES].sort());
    for (const name of NODE_SERVICES) {
      const container = deployments[name].spec.template.spec.containers[0];
      expect(container.image, name).toBe(`baton/${name}`);
      expect(container.ports, name).toEqual([{ name: 'http', containerPort: GUIDE_PORTS[name], protocol: 'TCP' }]);
      expect(services[name].spec.ports, name).toEqual([{ name: 'http', port: GUIDE_PORTS[name], targetPort: 'http', protocol: 'TCP' }]);
      expect(services[name].spec.selector, name).toEqual(deployments[name].spec.selector.matchLabels);
      expect(deployments[name].spec.template.metadata.labels, name).toMatchObject(deployments[name].spec.selector.matchLabels);
    }
  });

  it('probes readiness on /ready and liveness on /health', () => {
    for (const name of NODE_SERVICES) {
      const container = deployments[name].spec.template.spec.containers[0];
      expect(container.readinessProbe.httpGet, name).toEqual({ path: '/ready', port: 'http' });
      expect(container.livenessProbe.httpGet, name).toEqual({ path: '/health', port: 'http' });
      expect(container.startupProbe.httpGet, name).toEqual({ path: '/health', port: 'http' });
    }
  });

  it('limits each container as docker-compose.yml does', () => {
    for (const name of NODE_SERVICES) {
      const { limits, requests } = deployments[name].spec.template.spec.containers[0].resources;
      const composeLimits = compose[name].deploy.resources.limits;
      expect({ cpus: cpus(limits.cpu), memory: bytes(limits.memory) }, name).toEqual({ cpus: Number(composeLimits.cpus), memory: bytes(composeLimits.memory) });
      expect(cpus(requests.cpu)).toBeLessThanOrEqual(cpus(limits.cpu));
      expect(bytes(requests.memory)).toBeLessThanOrEqual(bytes(limits.memory));
    }
  });

  it('limits the demo\'s PostgreSQL and Redis as docker-compose.yml does', () => {
    const statefulSets = Object.fromEntries(objects('deploy/k8s/demo').filter((o) => o.doc.kind === 'StatefulSet').map((o) => [o.doc.metadata.name, o.doc]));
    for (const name of ['postgres', 'redis']) {
      const { limits } = statefulSets[name].spec.template.spec.containers[0].resources;
      const composeLimits = compose[name].deploy.resources.limits;
      expect({ cpus: cpus(limits.cpu), memory: bytes(limits.memory) }, name).toEqual({ cpus: Number(composeLimits.cpus), memory: bytes(composeLimits.memory) });
    }
  });

  it('runs non-root with a read-only root filesystem, no capabilities, and no service-link variables', () => {
    for (const name of NODE_SERVICES) {
      const pod = deployments[name].spec.template.spec;
      const container = pod.containers[0];
      expect(pod.securityContext, name).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
      expect(container.securityContext, name).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      // ORCHESTRATOR_PORT / FANOUT_PORT would otherwise be injected as tcp://… and break the services' port parsing.
      expect(pod.enableServiceLinks, name).toBe(false);
      expect(pod.terminationGracePeriodSeconds, name).toBeGreaterThanOrEqual(30);
    }
  });

  it('gives secrets as files: every *_FILE points at a mounted key of the Secret', () => {
    const secretKeys = Object.keys(byKind('Secret')[0].stringData);
    const configKeys = Object.keys(byKind('ConfigMap')[0].data);
    for (const name of NODE_SERVICES) {
      const pod = deployments[name].spec.template.spec;
      const container = pod.containers[0];
      expect(container.envFrom, name).toEqual([{ configMapRef: { name: 'baton-config' } }]);
      const mount = container.volumeMounts.find((m: any) => m.name === 'secrets');
      const volume = pod.volumes.find((v: any) => v.name === 'secrets');
      for (const { name: variable, value } of container.env ?? []) {
        expect(variable, `${name}: only *_FILE variables are set one by one`).toMatch(/_FILE$/);
        const key = variable.slice(0, -'_FILE'.length);
        expect(secretKeys, `${name}: ${variable}`).toContain(key);
        expect(value).toBe(`${mount.mountPath}/${key}`);
        expect(volume.secret.items, `${name}: ${key} is not mounted`).toContainEqual({ key, path: key });
        expect(configKeys, `${name}: ${key} must not also be in the ConfigMap`).not.toContain(key);
      }
    }
    expect(deployments['agent-runner'].spec.template.spec.containers[0].env.map((e: any) => e.name)).toContain('OPENAI_API_KEY_FILE');
  });

  it('autoscales the workers (HPA on the http-worker and agent-runner Deployments)', () => {
    const targets = byKind('HorizontalPodAutoscaler').map((h) => h.spec.scaleTargetRef);
    expect(targets).toEqual(expect.arrayContaining([
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'http-worker' },
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'agent-runner' },
    ]));
    for (const hpa of byKind('HorizontalPodAutoscaler')) expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
  });

  it('the demo adds PostgreSQL 15 and Redis 7 with AOF, where the ConfigMap points', () => {
    const demo = objects('deploy/k8s/demo').map((o) => o.doc);
    const sets = Object.fromEntries(demo.filter((d) => d.kind === 'StatefulSet').map((d) => [d.metadata.name, d.spec.template.spec.containers[0]]));
    expect(sets.postgres.image).toMatch(/^postgres:15/);
    expect(sets.redis.image).toMatch(/^redis:7/);
    expect(sets.redis.args.join(' ')).toMatch(/--appendonly yes/);
    const config = byKind('ConfigMap')[0].data;
    expect(config.DB_HOST).toBe('postgres');
    expect(config.REDIS_URL).toBe('redis://redis:6379');
    expect(demo.filter((d) => d.kind === 'Service').map((s) => s.metadata.name)).toEqual(expect.arrayContaining(['postgres', 'redis']));
    // Its Ingress sends the streams (/v1/…) to the fanout and the rest to the API.
    const ingress = demo.find((d) => d.kind === 'Ingress');
    const routes = ingress.spec.rules[0].http.paths.map((p: any) => [p.path, p.backend.service.name, p.backend.service.port.name]);
    expect(routes).toEqual([['/v1/', 'fanout', 'http'], ['/', 'orchestrator', 'http']]);
  });
});
