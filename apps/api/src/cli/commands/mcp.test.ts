import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, services } from '../../../test/harness.js';
import { runEntry } from '../../../test/support/production-env.js';
import { createDatabase, type Database } from '../../platform/db/client.js';
import { mcpServers } from '../../modules/mcp/mcp.tables.js';
import { tenants } from '../../modules/tenants/tenants.tables.js';

/** `agentry mcp list --tenant <id|slug>`, run as the real CLI against the database the API uses. */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentry-mcp-cli-'));
let pgDatabase: (Database & { url?: string }) | undefined;
let tenantId: string;

beforeAll(async () => {
  if (services.databaseUrl) pgDatabase = await createTestDatabase();
  const database = pgDatabase ?? (await createDatabase({ poolMax: 1, dataDir: path.join(dataDir, 'pglite') }));
  if (!pgDatabase) await database.migrate();
  const [tenant] = await database.db.insert(tenants).values({ slug: 'cli-mcp', name: 'CLI MCP' }).returning();
  tenantId = tenant.id;
  const [other] = await database.db.insert(tenants).values({ slug: 'cli-other', name: 'Other' }).returning();
  const row = {
    url: 'https://tools.example.com/mcp',
    transport: 'streamable_http',
    headersSealed: 'v1.sealed-not-a-real-value',
    headerNames: ['Authorization'],
    requireApproval: 'always' as const,
    tools: [{ name: 'add', description: 'Adds.', input_schema: {} }],
  };
  await database.db.insert(mcpServers).values([
    { ...row, tenantId, name: 'calc', status: 'ok' },
    { ...row, tenantId, name: 'broken', status: 'error', lastError: 'connect ECONNREFUSED', tools: [] },
    { ...row, tenantId: other.id, name: 'secret_other', status: 'ok' },
  ]);
  if (!pgDatabase) await database.close();
}, 120_000);
afterAll(async () => {
  await pgDatabase?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const cli = (...args: string[]) =>
  runEntry('src/cli/index.ts', args, { DATA_DIR: dataDir, ...(pgDatabase ? { DATABASE_URL: pgDatabase.url } : {}) });

describe('agentry mcp list', { timeout: 240_000 }, () => {
  it("lists a tenant's servers by slug or id, with status, error and tools, never header values", async () => {
    const bySlug = await cli('mcp', 'list', '--tenant', 'cli-mcp', '--json');
    expect(bySlug.code, bySlug.stderr).toBe(0);
    const lines = bySlug.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((s) => [s.name, s.status, s.last_error])).toEqual([
      ['broken', 'error', 'connect ECONNREFUSED'],
      ['calc', 'ok', null],
    ]);
    expect(lines[1]).toMatchObject({ header_names: ['Authorization'], tools: [{ name: 'add' }] });
    expect(bySlug.stdout).not.toContain('sealed');
    expect(bySlug.stdout).not.toContain('secret_other');

    const byId = await cli('mcp', 'list', '--tenant', tenantId);
    expect(byId.code, byId.stderr).toBe(0);
    expect(byId.stdout).toMatch(
      /^calc\tenabled\tok\tstreamable_http\thttps:\/\/tools\.example\.com\/mcp\ttools: add$/m,
    );

    const missing = await cli('mcp', 'list', '--tenant', 'no-such-tenant');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('no tenant');
  });
});
