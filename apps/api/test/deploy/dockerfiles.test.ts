import { describe, expect, it } from 'vitest';
import { last, parseDockerfile, readRepoFile, resolveFrom, startCommands } from './dockerfile-parse.js';

// The images are built and run by deploy/docker/build-local.sh (podman; docs/deployment.md, "Images
// built here?"). Here, without a container runtime, they are checked for their structure, and
// their start commands are the ones the cluster test runs.
const IMAGES = [
  { file: 'deploy/docker/api.Dockerfile', role: 'api' as const, port: '8000', health: '/health' },
  { file: 'deploy/docker/web.Dockerfile', role: 'web' as const, port: '3000', health: '/login' },
];

/** Names a secret would have; no ENV or ARG of an image may carry one (they are readable in its layers). */
const SECRET_NAME = /SECRET|PASSWORD|PEPPER|TOKEN|API_KEY|PRIVATE|KEYSET|CREDENTIAL/i;

describe.each(IMAGES)('$file', ({ file, role, port, health }) => {
  const { args, stages } = parseDockerfile(readRepoFile(file));
  const runtime = stages.at(-1)!;

  it('is multi-stage, every stage on node:24-bookworm-slim (Node 24 LTS)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(resolveFrom(stage.from, args)).toBe('node:24-bookworm-slim');
  });

  it('installs exactly the lock file with npm ci, without dev dependencies in the runtime image', () => {
    const runs = stages.flatMap((s) => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args));
    expect(runs.some((r) => /\bnpm ci\b/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm (install|i)\b/.test(r))).toBe(false);
    // node_modules of the runtime stage come from a stage that installed with --omit=dev.
    const copies = runtime.instructions.filter((i) => i.keyword === 'COPY' && /\/node_modules\b/.test(i.args));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const fromStage = /--from=(\S+)/.exec(copy.args)?.[1];
      const source = stages.find((s) => s.name === fromStage);
      expect(source?.instructions.some((i) => i.keyword === 'RUN' && /npm ci\b.*--omit=dev/.test(i.args))).toBe(true);
    }
  });

  it('runs as a non-root user', () => {
    const user = last(runtime, 'USER');
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
    // USER comes before the command (nothing after it switches back).
    const keywords = runtime.instructions.map((i) => i.keyword);
    expect(keywords.lastIndexOf('USER')).toBeLessThan(keywords.lastIndexOf('CMD'));
  });

  it('carries no secret: no secret-named ENV/ARG, no .env or key file copied', () => {
    for (const stage of stages) {
      for (const i of stage.instructions) {
        if (i.keyword === 'ENV' || i.keyword === 'ARG') {
          const names = i.args.split(/\s+/).map((kv) => kv.split('=')[0]);
          for (const name of names) expect(name).not.toMatch(SECRET_NAME);
        }
        if (i.keyword === 'COPY' || i.keyword === 'ADD') expect(i.args).not.toMatch(/\.env\b|\.pem\b|keyset/);
      }
    }
    expect([...args.keys()].filter((k) => SECRET_NAME.test(k))).toEqual([]);
  });

  it(`has a HEALTHCHECK on ${health}`, () => {
    const check = last(runtime, 'HEALTHCHECK');
    expect(check).toMatch(/^--interval=\S+ .*CMD /);
    expect(check).toContain(health);
    expect(check).toContain(port);
  });

  it('starts with the command of deploy/start-commands.json (the one the cluster test runs), without npm', () => {
    const { cwd, command } = startCommands()[role];
    expect(JSON.parse(last(runtime, 'CMD')!)).toEqual(command);
    expect(last(runtime, 'WORKDIR')).toBe(`/app/${cwd}`);
    expect(last(runtime, 'STOPSIGNAL')).toBe('SIGTERM');
    expect(last(runtime, 'EXPOSE')).toBe(port);
  });
});

describe('.dockerignore', () => {
  const ignored = readRepoFile('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('keeps node_modules, build output, local data, git and env files out of the build context', () => {
    for (const pattern of ['**/node_modules', '**/.next', '**/.data', '.git', '**/.env', '**/.env.*'])
      expect(ignored).toContain(pattern);
  });
});
