import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { SERVICE_NAMES } from '@aap/contracts';
import { DEFAULT_PORTS } from '@aap/config';
import { provisionKubeconform, type Kubeconform } from './setup/kubeconform';

const K8S = 'infra/k8s';
/** kubeconform compiles the Kubernetes definitions (1 MB of schema) once per kind: seconds on two busy cores. */
const KUBECONFORM_TIMEOUT_MS = 60_000;
/** The first run builds kubeconform and fetches the schemas (about 30 s with a warm network). */
const PROVISIONING_TIMEOUT_MS = 600_000;
type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; spec?: any; data?: Record<string, string> };

const manifestFiles = () => readdirSync(K8S).filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml');
const manifests = (): Manifest[] =>
  manifestFiles().flatMap((file) => parseAllDocuments(readFileSync(join(K8S, file), 'utf8')).map((document) => document.toJSON() as Manifest));

function kubeconform(tool: Kubeconform, paths: string[]) {
  const result = spawnSync(tool.binary, [...tool.args, '-summary', '-output', 'json', ...paths], { encoding: 'utf8' });
  if (result.error) throw result.error;
  return { status: result.status, report: JSON.parse(result.stdout) as { resources: Array<{ filename: string; kind: string; status: string; msg: string }>; summary: Record<string, number> } };
}

describe('the Kubernetes manifests (infra/k8s), validated by kubeconform against the Kubernetes schemas, offline', () => {
  // Provisioned on first use (Go module proxy, PyPI), then cached. Awaited by each test, not in a hook:
  // a machine that cannot run the validator fails these tests, it does not skip them.
  let provisioning: Promise<Kubeconform> | undefined;
  const validator = () =>
    (provisioning ??= provisionKubeconform((line) => console.log(`[kubeconform] ${line}`)).catch((error: Error) => {
      throw new Error(`the manifests cannot be validated: kubeconform could not be provisioned (${error.message})`);
    }));

  it('every resource is valid (strict: no unknown field), none skipped for want of a schema', async () => {
    const { status, report } = kubeconform(await validator(), manifestFiles().map((file) => join(K8S, file)));
    expect(report.resources.filter((resource) => resource.status !== 'statusValid')).toEqual([]);
    expect(status).toBe(0);
    expect(report.summary).toEqual({ valid: manifests().length, invalid: 0, errors: 0, skipped: 0 });
  }, PROVISIONING_TIMEOUT_MS);

  it('a manifest with a wrong type and an unknown field is refused, naming both (the validator does validate)', async () => {
    const broken = join(mkdtempSync(join(tmpdir(), 'aap-k8s-')), 'broken.yaml');
    writeFileSync(broken, readFileSync(join(K8S, 'submission.yaml'), 'utf8').replace('  replicas: 2\n', '  replicas: two\n  replica: 2\n'));
    const { status, report } = kubeconform(await validator(), [broken]);
    expect(status).toBe(1);
    expect(report.summary).toMatchObject({ invalid: 1 });
    expect(report.resources[0]!.msg).toMatch(/\/spec\/replicas': got string, want null or integer.*additional properties 'replica' not allowed/s);
  }, KUBECONFORM_TIMEOUT_MS);
});

describe('the Kubernetes manifests: what running several instances needs', () => {
  const all = manifests();
  const named = (kind: string, name: string) => all.find((manifest) => manifest.kind === kind && manifest.metadata.name === name);

  it.each(SERVICE_NAMES)('%s: a Deployment of 2 replicas or more, probed on /health/ready and /health/live, with resources and its metrics port', (service) => {
    const deployment = named('Deployment', service)!;
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    const [container] = deployment.spec.template.spec.containers;
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
    // /metrics on the admin port of each pod (its own network: one port for every service), scraped by annotation.
    expect(container.ports).toEqual([{ name: 'http', containerPort: DEFAULT_PORTS[service] }, { name: 'metrics', containerPort: 9464 }]);
    expect(container.env).toContainEqual({ name: 'PORT', value: String(DEFAULT_PORTS[service]) });
    expect(container.env).toContainEqual({ name: 'METRICS_PORT', value: '9464' });
    expect(deployment.spec.template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9464' });
    expect(container.resources).toMatchObject({ requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { memory: expect.any(String) } });
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
  });

  it.each(SERVICE_NAMES)('%s: a Service and a PodDisruptionBudget selecting exactly its pods', (service) => {
    const podLabels = named('Deployment', service)!.spec.template.metadata.labels;
    const selects = (selector: Record<string, string>) => Object.entries(selector).every(([key, value]) => podLabels[key] === value);
    expect(selects(named('Service', service)!.spec.selector)).toBe(true);
    // The Service carries the API only: /metrics stays on the pods' admin port.
    expect(named('Service', service)!.spec.ports.map((port: { name: string }) => port.name)).toEqual(['http']);
    const budget = named('PodDisruptionBudget', service)!;
    expect(selects(budget.spec.selector.matchLabels)).toBe(true);
    expect(budget.spec.minAvailable).toBeLessThan(named('Deployment', service)!.spec.replicas);
  });

  it('secrets are referenced, never inlined: no Secret manifest, no secret-looking variable with a literal value', () => {
    expect(all.filter((manifest) => manifest.kind === 'Secret')).toEqual([]);
    const secretLooking = /PASS|SECRET|KEY|TOKEN|MONGODB_URI|USERNAME/;
    for (const deployment of all.filter((manifest) => manifest.kind === 'Deployment')) {
      const env: Array<{ name: string; value?: string; valueFrom?: unknown }> = deployment.spec.template.spec.containers[0].env;
      for (const variable of env.filter((entry) => secretLooking.test(entry.name))) {
        expect(variable, `${deployment.metadata.name} ${variable.name}`).toEqual({ name: variable.name, valueFrom: { secretKeyRef: { name: `aap-${deployment.metadata.name}`, key: expect.any(String) } } });
      }
    }
    expect(Object.keys(named('ConfigMap', 'aap-config')!.data!).filter((name) => secretLooking.test(name))).toEqual([]);
  });

  it('production settings: JWKS over https: with issuer and audience, no development mode, TLS to the broker, every Deployment reads the ConfigMap', () => {
    const config = named('ConfigMap', 'aap-config')!.data!;
    expect(config).toMatchObject({ NODE_ENV: 'production', KAFKA_SSL: 'true', AUTH_JWKS_URL: expect.stringMatching(/^https:\/\//), AUTH_ISSUER: expect.any(String), AUTH_AUDIENCE: expect.any(String) });
    expect(config).not.toHaveProperty('AAP_DEV_MODE');
    expect(config).not.toHaveProperty('SMTP_REQUIRE_TLS');
    for (const deployment of all.filter((manifest) => manifest.kind === 'Deployment')) {
      expect(deployment.spec.template.spec.containers[0].envFrom).toEqual([{ configMapRef: { name: 'aap-config' } }]);
    }
  });

  it('the kustomization lists every manifest', () => {
    expect([...parse(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8')).resources].sort()).toEqual(manifestFiles().sort());
  });
});

describe('docker-compose.yml: runnable with `docker compose up --scale <service>=N`', () => {
  const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as { services: Record<string, any> };
  const gateway = readFileSync('infra/docker/gateway.conf', 'utf8');

  it.each(SERVICE_NAMES)('%s: no fixed host port nor container name (replicas would clash), a health check, and the environment it needs', (service) => {
    const definition = compose.services[service];
    expect(definition.ports).toBeUndefined();
    expect(definition.container_name).toBeUndefined();
    expect(definition.healthcheck.test.join(' ')).toContain('/health/ready');
    expect(definition.build.args).toEqual({ SERVICE: service });
    expect(definition.environment).toMatchObject({
      PORT: DEFAULT_PORTS[service],
      KAFKA_BROKERS: expect.stringMatching(/^\$\{KAFKA_BROKERS:-.+\}$/),
      MONGODB_URI: expect.stringMatching(/^\$\{MONGODB_URI:-mongodb:\/\/.*replicaSet=rs0\}$/),
      AUTH_JWT_SECRET_FILE: expect.any(String),
    });
    expect(definition.environment).not.toHaveProperty('AAP_DEV_MODE');
  });

  it.each(SERVICE_NAMES)('%s: reached through the one entry point, which spreads requests over every replica', (service) => {
    const port = DEFAULT_PORTS[service];
    expect(compose.services.gateway.ports).toContain(`127.0.0.1:${port}:${port}`);
    expect(compose.services.gateway.depends_on[service]).toEqual({ condition: 'service_healthy' });
    expect(gateway).toMatch(new RegExp(`upstream ${service} +\\{ zone ${service} 64k; +server ${service}:${port} resolve; \\}`));
    expect(gateway).toMatch(new RegExp(`server \\{ listen ${port}; location / \\{ proxy_pass http://${service}; \\} \\}`));
  });

  it('MongoDB runs as a replica set', () => {
    expect(compose.services.mongo.command).toEqual(['--replSet', 'rs0', '--bind_ip_all']);
    expect(compose.services.mongo.healthcheck.test.join(' ')).toContain("rs.initiate({ _id: 'rs0'");
  });

  it('every published port listens on loopback only', () => {
    const published = Object.values(compose.services).flatMap((definition) => (definition.ports ?? []) as string[]);
    expect(published.length).toBeGreaterThan(0);
    for (const port of published) expect(port).toMatch(/^127\.0\.0\.1:/);
  });
});
