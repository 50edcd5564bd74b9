import path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { type RenderedManifest, renderChart } from '../../../../deploy/helm/render.mjs';
import { REPO_ROOT, startCommands } from './dockerfile-parse.js';

// No helm binary is packaged on this machine: deploy/helm/render.mjs renders the chart (the Go
// template subset it uses) and every manifest is validated against the Kubernetes schemas.
const CHART = path.join(REPO_ROOT, 'deploy/helm/agentry');
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/Job': Job,
  'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
};

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are plain parsed YAML
type Any = any;
const VALUE_SETS = [
  { name: 'values.yaml', files: [] as string[] },
  { name: 'values-production.example.yaml', files: [path.join(CHART, 'values-production.example.yaml')] },
];

function byKind(manifests: RenderedManifest[], kind: string): Map<string, Any> {
  return new Map(manifests.filter((m) => m.object.kind === kind).map((m) => [m.object.metadata.name, m.object]));
}
const containerOf = (deployment: Any) => deployment.spec.template.spec.containers[0];

describe.each(VALUE_SETS)('the Helm chart rendered with $name', ({ files }) => {
  const manifests = renderChart(CHART, { valuesFiles: files, name: 'agentry' });
  const deployments = byKind(manifests, 'Deployment');

  it('renders only manifests valid against the Kubernetes schemas', () => {
    expect(manifests.length).toBeGreaterThan(8);
    for (const { template, object } of manifests) {
      const Model = MODELS[`${object.apiVersion}/${object.kind}`];
      expect(Model, `${template}: ${object.apiVersion} ${object.kind}`).toBeDefined();
      expect(() => new Model!(object as never).validate(), `${template} ${object.metadata.name}`).not.toThrow();
    }
  });

  it('has the API, worker and web Deployments, each role as AGENTRY_ROLES, on non-root read-only containers', () => {
    expect([...deployments.keys()].sort()).toEqual(['agentry-api', 'agentry-web', 'agentry-worker']);
    expect(containerOf(deployments.get('agentry-api')).env).toContainEqual({ name: 'AGENTRY_ROLES', value: 'api' });
    expect(containerOf(deployments.get('agentry-worker')).env).toContainEqual({
      name: 'AGENTRY_ROLES',
      value: 'worker',
    });
    for (const d of deployments.values()) {
      expect(d.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
      expect(containerOf(d).securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      // The image's own command (deploy/start-commands.json), never an npm wrapper.
      expect(containerOf(d).command).toBeUndefined();
      expect(d.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    }
  });

  it('probes /health (started, live) and /health/ready (ready) on the API and worker processes', () => {
    for (const name of ['agentry-api', 'agentry-worker']) {
      const c = containerOf(deployments.get(name));
      expect(c.startupProbe.httpGet.path).toBe('/health');
      expect(c.livenessProbe.httpGet.path).toBe('/health');
      expect(c.readinessProbe.httpGet.path).toBe('/health/ready');
    }
  });

  it('migrates in a pre-install/pre-upgrade Job, after the chart Secret exists, with the shared migrate command', () => {
    const job = byKind(manifests, 'Job').get('agentry-migrate');
    expect(job.metadata.annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    const c = job.spec.template.spec.containers[0];
    expect(c.command).toEqual(startCommands().migrate.command);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    const secretName = c.envFrom[0].secretRef.name;
    const secret = byKind(manifests, 'Secret').get(secretName);
    if (secret) {
      // The chart's own Secret is a hook too, with a lower weight: it exists before the Job runs.
      expect(secret.metadata.annotations['helm.sh/hook']).toContain('pre-install');
      expect(Number(secret.metadata.annotations['helm.sh/hook-weight'])).toBeLessThan(
        Number(job.metadata.annotations['helm.sh/hook-weight']),
      );
    }
    // Every process reads the same Secret.
    for (const name of ['agentry-api', 'agentry-worker'])
      expect(containerOf(deployments.get(name)).envFrom).toContainEqual({ secretRef: { name: secretName } });
  });

  it('routes the API paths and the web app through an Ingress with the SSE settings of the shared proxy conf', () => {
    const ingress = [...byKind(manifests, 'Ingress').values()][0];
    const a = ingress.metadata.annotations;
    expect(a['nginx.ingress.kubernetes.io/proxy-buffering']).toBe('off');
    expect(a['nginx.ingress.kubernetes.io/proxy-http-version']).toBe('1.1');
    expect(Number(a['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(600);
    expect(Number(a['nginx.ingress.kubernetes.io/proxy-send-timeout'])).toBeGreaterThanOrEqual(600);
    const paths = ingress.spec.rules[0].http.paths.map((p: Any) => [p.path, p.backend.service.name]);
    expect(paths).toEqual(
      expect.arrayContaining([
        ['/api/', 'agentry-api'],
        ['/webhooks/', 'agentry-api'],
        ['/health', 'agentry-api'],
        ['/', 'agentry-web'],
      ]),
    );
  });

  it("selects each Deployment's pods from its Service, PodDisruptionBudget and HorizontalPodAutoscaler", () => {
    const podLabels = (name: string) => deployments.get(name).spec.template.metadata.labels;
    const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
      Object.entries(selector).every(([k, v]) => labels[k] === v);
    for (const [name, service] of byKind(manifests, 'Service')) {
      expect(matches(service.spec.selector, podLabels(name)), name).toBe(true);
      const portNames = containerOf(deployments.get(name)).ports.map((p: Any) => p.name);
      expect(portNames).toContain(service.spec.ports[0].targetPort);
    }
    for (const [name, pdb] of byKind(manifests, 'PodDisruptionBudget')) {
      expect(matches(pdb.spec.selector.matchLabels, podLabels(name)), name).toBe(true);
      expect(pdb.spec.minAvailable).toBeLessThanOrEqual(
        deployments.get(name).spec.replicas ?? byKind(manifests, 'HorizontalPodAutoscaler').get(name).spec.minReplicas,
      );
    }
    for (const [name, hpa] of byKind(manifests, 'HorizontalPodAutoscaler')) {
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
      // The HPA owns the replica count: the Deployment does not fight it on each upgrade.
      expect(deployments.get(name).spec.replicas).toBeUndefined();
    }
  });
});

describe('chart values', () => {
  it('values.yaml: the chart creates the Secret from secrets.values; no autoscaling; PDB on the API only', () => {
    const manifests = renderChart(CHART);
    expect(byKind(manifests, 'Secret').get('agentry-secrets').stringData).toMatchObject({
      DATABASE_URL: expect.stringMatching(/^postgres:\/\//),
      REDIS_URL: expect.stringMatching(/^redis:\/\//),
    });
    expect(byKind(manifests, 'HorizontalPodAutoscaler').size).toBe(0);
    expect([...byKind(manifests, 'PodDisruptionBudget').keys()]).toEqual(['agentry-api']);
  });

  it('the production example: an existing Secret (none rendered), autoscaled API and web, TLS, PDBs for every role', () => {
    const manifests = renderChart(CHART, { valuesFiles: [path.join(CHART, 'values-production.example.yaml')] });
    expect(byKind(manifests, 'Secret').size).toBe(0);
    const api = byKind(manifests, 'Deployment').get('agentry-api');
    expect(containerOf(api).envFrom).toContainEqual({ secretRef: { name: 'agentry-secrets' } });
    expect([...byKind(manifests, 'HorizontalPodAutoscaler').keys()].sort()).toEqual(['agentry-api', 'agentry-web']);
    expect(byKind(manifests, 'PodDisruptionBudget').size).toBe(3);
    const ingress = byKind(manifests, 'Ingress').get('agentry');
    expect(ingress.spec.tls).toEqual([{ hosts: ['agentry.example.com'], secretName: 'agentry-tls' }]);
    expect(ingress.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt');
    // User settings reach the processes' ConfigMap as strings.
    expect(byKind(manifests, 'ConfigMap').get('agentry-config').data).toMatchObject({
      STORAGE_DRIVER: 's3',
      RATE_LIMIT_CHAT_STREAM_CONCURRENCY_PER_TENANT: '200',
      PUBLIC_WEB_URL: 'https://agentry.example.com',
    });
  });
});
