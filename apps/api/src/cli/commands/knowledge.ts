import type { Command } from 'commander';
import pino from 'pino';
import { eq, or } from 'drizzle-orm';
import { tenants } from '../../modules/tenants/tenants.tables.js';
import { createEmbedder } from '../../modules/files/embeddings.js';
import { FilesRepo } from '../../modules/files/files.repo.js';
import { detectPgvector, PgvectorSearch } from '../../modules/files/pgvector.js';
import { reindexChunks } from '../../modules/files/reindex.js';
import { progress, withInfrastructure } from '../cli-runtime.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function registerKnowledgeCommands(program: Command) {
  const knowledge = program.command('knowledge').description("tenants' knowledge index");
  knowledge
    .command('reindex')
    .description(
      'after a change of embedding model: re-embed the chunks of other models with the configured one (search reads only its chunks); resumable',
    )
    .option('--tenant <tenant>', 'only this tenant (id or slug); default every tenant')
    .option('--batch <n>', 'chunks per embeddings request and transaction', '64')
    .action(async (o: { tenant?: string; batch: string }) => {
      const batch = Number(o.batch);
      if (!Number.isInteger(batch) || batch < 1 || batch > 2048) throw new Error('--batch must be 1..2048');
      await withInfrastructure(async ({ config, database }) => {
        let tenantId: string | undefined;
        if (o.tenant) {
          const [tenant] = await database.db
            .select({ id: tenants.id })
            .from(tenants)
            .where(
              UUID.test(o.tenant)
                ? or(eq(tenants.id, o.tenant), eq(tenants.slug, o.tenant))
                : eq(tenants.slug, o.tenant),
            )
            .limit(1);
          if (!tenant) throw new Error(`no tenant ${o.tenant}`);
          tenantId = tenant.id;
        }
        const embedder = createEmbedder(config);
        const pg = await detectPgvector(database.db).catch(() => null);
        const logger = pino({ level: 'silent' });
        progress(`re-embedding chunks not of ${embedder.model}${tenantId ? ` in tenant ${o.tenant}` : ''}`);
        const result = await reindexChunks(
          {
            database,
            repo: new FilesRepo(),
            embedder,
            pgvector: pg?.installed ? new PgvectorSearch(database, logger) : null,
          },
          { tenantId, batch, onBatch: (done) => progress(`${done} chunks re-embedded`) },
        );
        const perSecond = result.ms ? Math.round((result.chunks * 1000) / result.ms) : result.chunks;
        process.stdout.write(`${JSON.stringify({ ...result, chunks_per_s: perSecond })}\n`);
      });
    });
}
