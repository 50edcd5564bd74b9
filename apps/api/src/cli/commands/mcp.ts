import type { Command } from 'commander';
import { eq, or } from 'drizzle-orm';
import { McpRepo } from '../../modules/mcp/mcp.repo.js';
import { mcpServerView } from '../../modules/mcp/mcp.service.js';
import { tenants } from '../../modules/tenants/tenants.tables.js';
import { progress, withInfrastructure } from '../cli-runtime.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function registerMcpCommands(program: Command) {
  const mcp = program.command('mcp').description("tenants' tool servers (MCP)");
  mcp
    .command('list')
    .description("a tenant's tool servers: status, last error and tools (header names only, never values)")
    .requiredOption('--tenant <tenant>', 'tenant id or slug')
    .option('--json', 'one JSON object per line')
    .action(async (o: { tenant: string; json?: boolean }) => {
      await withInfrastructure(async ({ database }) => {
        const [tenant] = await database.db
          .select({ id: tenants.id, slug: tenants.slug })
          .from(tenants)
          .where(
            UUID.test(o.tenant) ? or(eq(tenants.id, o.tenant), eq(tenants.slug, o.tenant)) : eq(tenants.slug, o.tenant),
          )
          .limit(1);
        if (!tenant) throw new Error(`no tenant ${o.tenant}`);
        const rows = await new McpRepo().list(database.db, tenant.id);
        for (const server of rows.map(mcpServerView)) {
          if (o.json) {
            process.stdout.write(`${JSON.stringify(server)}\n`);
            continue;
          }
          const tools = server.tools.map((t) => t.name).join(', ') || '-';
          process.stdout.write(
            `${server.name}\t${server.enabled ? 'enabled' : 'disabled'}\t${server.status}\t${server.transport}\t${server.url}\ttools: ${tools}${server.last_error ? `\terror: ${server.last_error}` : ''}\n`,
          );
        }
        progress(`${rows.length} tool server(s) in tenant ${tenant.slug}`);
      });
    });
}
