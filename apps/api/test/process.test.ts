import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startApiProcess } from './support/api-process.js';

/**
 * The real process, as operators run it: zero set-up start on embedded storage, data reused by a
 * second start, graceful shutdown on SIGTERM, and a start-up refusal listing every bad setting.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentry-process-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const credentials = { email: 'process-test@example.com', password: 'a long and unusual passphrase 7' };

describe('the API process', () => {
  it('starts with zero set-up, serves /health/ready and /docs, and stops cleanly on SIGTERM', async () => {
    const api = await startApiProcess({ DATA_DIR: dataDir, AUTH_BCRYPT_COST: '4' });
    const ready = await (await fetch(`${api.url}/health/ready`)).json();
    expect(ready).toEqual({
      status: 'ready',
      checks: { database: 'ok', redis: 'ok' },
      details: { knowledge: expect.objectContaining({ vector_path: 'exact', pgvector_available: false }) },
    });
    expect((await fetch(`${api.url}/docs`)).ok).toBe(true);
    const registered = await fetch(`${api.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(credentials),
    });
    expect(registered.status).toBe(201);
    expect(fs.existsSync(path.join(dataDir, 'pglite'))).toBe(true);
    expect(await api.stop()).toBe(0);
    expect(api.output()).toContain('"event":"server.stopped"');
  }, 90_000);

  it('reuses the data on a second start', async () => {
    const api = await startApiProcess({ DATA_DIR: dataDir, AUTH_BCRYPT_COST: '4' });
    const login = await fetch(`${api.url}/api/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(credentials),
    });
    expect(login.status).toBe(200);
    expect(await api.stop()).toBe(0);
  }, 90_000);

  it('ends open streams on SIGTERM instead of hanging until the grace period', async () => {
    const api = await startApiProcess({ DATA_DIR: dataDir, AUTH_BCRYPT_COST: '4', SHUTDOWN_GRACE_MS: '20000' });
    const login = await (
      await fetch(`${api.url}/api/v1/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(credentials),
      })
    ).json();
    // Open a chat stream on a slow answer, then stop the server while it is open.
    const streamEnded = new Promise<void>((resolve) => {
      const req = http.request(
        `${api.url}/api/v1/chat/stream`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${login.access_token}`, 'content-type': 'application/json' },
        },
        (res) => {
          res.on('data', () => {});
          res.on('end', resolve);
          res.on('error', () => resolve());
          res.on('close', resolve);
        },
      );
      req.on('error', () => resolve());
      req.end(JSON.stringify({ message: 'tell me a long story about many things '.repeat(20) }));
    });
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    expect(await api.stop()).toBe(0);
    await streamEnded;
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 90_000);

  it('starts while Redis is unreachable and reports it in readiness instead of hanging', async () => {
    const api = await startApiProcess(
      { DATA_DIR: dataDir, AUTH_BCRYPT_COST: '4', REDIS_URL: 'redis://127.0.0.1:1' },
      60_000,
      '/health',
    );
    const ready = await fetch(`${api.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      code: 'not_ready',
      details: { checks: { database: 'ok', redis: 'unavailable' } },
    });
    expect(await api.stop()).toBe(0);
  }, 90_000);

  it('refuses to start on bad configuration, listing every problem', async () => {
    await expect(
      startApiProcess({ DATA_DIR: dataDir, PORT: 'x', SIGNUP_POLICY: 'sometimes', ENABLE_BILLING: 'true' }, 20_000),
    ).rejects.toThrow(/Invalid configuration[\s\S]*SIGNUP_POLICY/);
  }, 30_000);
});
