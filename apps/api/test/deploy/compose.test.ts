import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config.js';
import { generateKeyset } from '../../src/modules/auth/sessions/keys/keyset.js';
import { auditConfig } from '../../src/platform/production-checks.js';
import { REPO_ROOT, readRepoFile, startCommands } from './dockerfile-parse.js';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  env_file?: string;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  ports?: string[];
  restart?: string;
}

// Compose resolves `<<:` merge keys; so does the parser with `merge: true`.
const compose = parse(readRepoFile('deploy/compose.yaml'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const API_REPLICAS = ['api-1', 'api-2'];
const AGENTRY_PROCESSES = [...API_REPLICAS, 'worker'];

function envFile(text: string): Record<string, string> {
  const entries = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const eq = l.indexOf('=');
      return [l.slice(0, eq), l.slice(eq + 1)] as const;
    });
  return Object.fromEntries(entries);
}

describe('deploy/compose.yaml', () => {
  it('has PostgreSQL, Redis, a migration step, two API replicas, one worker, the web app and the proxy', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['api-1', 'api-2', 'migrate', 'postgres', 'proxy', 'redis', 'web', 'worker'].sort(),
    );
    for (const name of API_REPLICAS) expect(services[name]?.environment?.AGENTRY_ROLES).toBe('api');
    expect(services.worker?.environment?.AGENTRY_ROLES).toBe('worker');
  });

  it('builds the Agentry services from the repository Dockerfiles', () => {
    for (const name of [...AGENTRY_PROCESSES, 'migrate'])
      expect(services[name]?.build?.dockerfile).toBe('deploy/docker/api.Dockerfile');
    expect(services.web?.build?.dockerfile).toBe('deploy/docker/web.Dockerfile');
  });

  it('migrates once, before any API or worker process starts, with the shared migrate command', () => {
    expect(services.migrate?.command).toEqual(startCommands().migrate.command);
    expect(services.migrate?.restart).toBe('no');
    expect(services.migrate?.depends_on?.postgres?.condition).toBe('service_healthy');
    for (const name of AGENTRY_PROCESSES) {
      const deps = services[name]?.depends_on ?? {};
      expect(deps.migrate?.condition).toBe('service_completed_successfully');
      expect(deps.postgres?.condition).toBe('service_healthy');
      expect(deps.redis?.condition).toBe('service_healthy');
      // The processes never migrate by themselves (two replicas racing on a release).
      expect(services[name]?.environment?.AUTO_MIGRATE).toBe('false');
      expect(services[name]?.command).toBeUndefined(); // the image's CMD: the cluster-tested start command
    }
  });

  it('runs every Agentry process on the shared PostgreSQL and Redis, in production mode', () => {
    for (const name of [...AGENTRY_PROCESSES, 'migrate']) {
      const env = services[name]?.environment ?? {};
      expect(env.NODE_ENV).toBe('production');
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\/agentry:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/agentry$/);
      expect(env.REDIS_URL).toBe('redis://redis:6379');
      expect(services[name]?.env_file).toBe('agentry.env');
    }
  });

  it('gives every long-running service a health check, and starts each after what it needs is healthy', () => {
    for (const [name, service] of Object.entries(services)) {
      if (name === 'migrate') continue;
      expect(service.healthcheck?.test?.length, name).toBeGreaterThan(0);
    }
    for (const name of AGENTRY_PROCESSES)
      expect(services[name]?.healthcheck?.test.join(' ')).toContain('/health/ready');
    for (const name of ['web', 'proxy']) {
      for (const replica of API_REPLICAS)
        expect(services[name]?.depends_on?.[replica]?.condition, `${name} → ${replica}`).toBe('service_healthy');
    }
    expect(services.proxy?.depends_on?.web?.condition).toBe('service_healthy');
  });

  it('puts nginx in front with the shared proxy rules (deploy/nginx/agentry-proxy.conf, used by the cluster test)', () => {
    const volumes = services.proxy?.volumes ?? [];
    expect(volumes).toContain('./nginx/agentry-proxy.conf:/etc/nginx/agentry-proxy.conf:ro');
    expect(volumes).toContain('./nginx/nginx.conf:/etc/nginx/nginx.conf:ro');
    const main = readRepoFile('deploy/nginx/nginx.conf');
    expect(main).toContain('include /etc/nginx/agentry-proxy.conf;');
    // Each API replica is an upstream server of nginx.
    for (const replica of API_REPLICAS) expect(main).toMatch(new RegExp(`server ${replica}:8000\\b`));
    expect(main).toMatch(/server web:3000\b/);
    // Only the proxy publishes a port.
    for (const [name, service] of Object.entries(services)) if (name !== 'proxy') expect(service.ports).toBeUndefined();
  });

  it('keeps the proxy rules SSE-friendly', () => {
    const rules = readRepoFile('deploy/nginx/agentry-proxy.conf');
    expect(rules).toMatch(/^proxy_buffering off;$/m);
    expect(rules).toMatch(/^proxy_http_version 1\.1;$/m);
    expect(rules).toMatch(/^proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;$/m);
    const read = /^proxy_read_timeout (\d+)s;$/m.exec(rules);
    expect(Number(read?.[1])).toBeGreaterThanOrEqual(600);
    for (const path of ['/api/', '/webhooks/', '/health']) expect(rules).toContain(`location ${path}`);
  });

  // nginx is Debian's package on CI (the cluster test runs it); skipped where it is not installed.
  const nginx = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => fs.existsSync(p));
  it.skipIf(!nginx)("nginx accepts compose's nginx.conf with the shared rules (nginx -t)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentry-nginx-'));
    // Compose's service names do not resolve here: point them at loopback, the rest is verbatim.
    const main = readRepoFile('deploy/nginx/nginx.conf')
      .replace(/server (api-\d|web):\d+/g, 'server 127.0.0.1:9')
      .replace('/etc/nginx/agentry-proxy.conf', path.join(REPO_ROOT, 'deploy/nginx/agentry-proxy.conf'))
      .replaceAll('/tmp/', `${dir}/`)
      .replace('/dev/stderr', `${dir}/error.log`) // a pipe here, not a terminal: nginx cannot open it
      .replace('/dev/stdout', `${dir}/access.log`);
    fs.writeFileSync(path.join(dir, 'nginx.conf'), main);
    try {
      execFileSync(nginx!, ['-t', '-q', '-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: 'pipe' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('agentry.env.example, filled with secrets, is a configuration production accepts', () => {
    const example = envFile(readRepoFile('deploy/agentry.env.example'));
    // Every setting it names is one the server reads (listed in the repository's .env.example).
    const known = envFile(readRepoFile('.env.example'));
    for (const name of Object.keys(example)) expect(Object.keys(known), name).toContain(name);
    // Fill what the operator must fill; everything else is as shipped.
    const secret = () => randomBytes(36).toString('base64');
    const filled = {
      ...example,
      ...services['api-1']?.environment,
      DATABASE_URL: 'postgres://agentry:pw@postgres:5432/agentry',
      AUTH_PASSWORD_PEPPER: secret(),
      AUTH_REFRESH_TOKEN_PEPPER: secret(),
      AUTH_LOGIN_IP_PEPPER: secret(),
      SECRETS_ENCRYPTION_KEY: secret(),
      METRICS_TOKEN: secret(),
      AUTH_KEYSET_JSON: JSON.stringify(generateKeyset()),
      OPENAI_API_KEY: 'sk-test',
      S3_BUCKET: 'agentry-files',
    };
    const refusals = auditConfig(parseConfig(filled)).filter((f) => f.refusesStart);
    expect(refusals).toEqual([]);
    // And as shipped (secrets empty), production refuses it.
    const shipped = { ...filled, AUTH_PASSWORD_PEPPER: '', SECRETS_ENCRYPTION_KEY: '' };
    const names = auditConfig(parseConfig(shipped))
      .filter((f) => f.refusesStart)
      .map((f) => f.setting);
    expect(names).toEqual(expect.arrayContaining(['AUTH_PASSWORD_PEPPER', 'SECRETS_ENCRYPTION_KEY']));
  });
});
