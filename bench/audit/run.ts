/**
 * Benchmark: exporting a tenant's audit log of 100,000 events (NDJSON and CSV) in constant memory.
 * The export reads a page of 1,000 events at a time and writes it before reading the next, so the
 * peak RSS must not grow with the size of the log. Prints events, time, throughput and peak RSS.
 *
 *   npx tsx bench/audit/run.ts                                                     (embedded PGlite)
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/audit/run.ts
 *
 * BENCH_AUDIT_EVENTS changes the count (100000).
 */
import { sql } from 'drizzle-orm';
import { createTestDatabase } from '../../apps/api/test/harness.js';
import { AuditRepo } from '../../apps/api/src/modules/audit/audit.repo.js';
import { AuditService } from '../../apps/api/src/modules/audit/audit.service.js';
import type { Caller } from '../../apps/api/src/platform/caller.js';

const EVENTS = Number(process.env.BENCH_AUDIT_EVENTS ?? 100_000);
const TENANT = '00000000-0000-4000-8000-00000000a0d1';

const database = await createTestDatabase();
try {
  const seeding = Date.now();
  await database.db.execute(sql`
    insert into audit_events (tenant_id, action, actor_type, actor_id, actor_email, target_type, target_id,
                              ip_masked, user_agent, request_id, metadata, created_at)
    select ${TENANT}::uuid, 'member.invited', 'user', gen_random_uuid(), 'owner@example.test', 'invitation',
           gen_random_uuid()::text, '203.0.113.0', 'Mozilla/5.0 (bench)', 'req-' || g,
           jsonb_build_object('email', 'invitee' || g || '@example.test', 'role', 'member'),
           now() - g * interval '1 second'
    from generate_series(1, ${EVENTS}) g`);
  console.log(`${database.kind}: seeded ${EVENTS} events in ${Date.now() - seeding} ms`);

  const service = new AuditService({ database, repo: new AuditRepo() });
  const caller = { tenantId: TENANT } as Caller;
  for (const format of ['ndjson', 'csv'] as const) {
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const started = process.hrtime.bigint();
    let bytes = 0;
    let lines = 0;
    for await (const chunk of service.export(caller, { format })) {
      bytes += Buffer.byteLength(chunk);
      for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) lines++;
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    clearInterval(sampler);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const events = format === 'csv' ? lines - 1 : lines;
    if (events !== EVENTS) throw new Error(`${format}: exported ${events} of ${EVENTS} events`);
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
    console.log(
      `${format.padEnd(6)} ${events} events  ${(bytes / 1024 / 1024).toFixed(1)} MiB  ${seconds.toFixed(2)} s  ` +
        `${Math.round(events / seconds)}/s  RSS ${mb(baseline)} → peak ${mb(peak)} MiB (+${mb(peak - baseline)})`,
    );
  }
} finally {
  await database.close();
}
