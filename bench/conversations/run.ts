/**
 * Benchmark: a conversation read (`GET /conversations/{id}`) and a chat run (`POST /chat`) on
 * conversations of 10, 1,000 and 10,000 messages. The read returns the last 100 messages and a
 * run's model sees at most AGENT_MEMORY_MAX_TOKENS (a summary and the newest turns), so latency
 * and RSS must stay flat as the transcript grows. The baseline, measured in the same run on the
 * same data, is what every run did before: load the whole session (all items) into memory.
 *
 *   npx tsx bench/conversations/run.ts                                              (embedded PGlite)
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/conversations/run.ts
 *
 * BENCH_CONVERSATION_SIZES changes the sizes (10,1000,10000); each item is ~1 KB of text.
 */
import { sql } from 'drizzle-orm';
import { createTestApp } from '../../apps/api/test/harness.js';
import { signUp } from '../../apps/api/test/factories.js';
import { ConversationItemsRepo } from '../../apps/api/src/modules/conversations/conversation-items.repo.js';

const SIZES = (process.env.BENCH_CONVERSATION_SIZES ?? '10,1000,10000').split(',').map(Number);
const REPEAT_OVERRIDE = { value: Number(process.env.BENCH_REPEAT ?? 5) };
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);

/** Runs `fn` REPEAT times; median latency and the peak RSS growth over the RSS before. */
async function measure(fn: () => Promise<void>): Promise<{ ms: number; rss: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const times: number[] = [];
  for (let i = 0; i < REPEAT_OVERRIDE.value; i++) {
    const started = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  clearInterval(sampler);
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, rss: peak - before };
}

async function measureOnce(fn: () => Promise<void>) {
  const saved = REPEAT_OVERRIDE.value;
  REPEAT_OVERRIDE.value = 1;
  try {
    return await measure(fn);
  } finally {
    REPEAT_OVERRIDE.value = saved;
  }
}

const t = await createTestApp({
  MODEL_PROVIDER: 'offline',
  OFFLINE_MODEL_DELAY_MS: '0',
  RATE_LIMIT_CHAT_PER_MINUTE: '0',
  RATE_LIMIT_CHAT_STREAM_PER_MINUTE: '0',
  LOG_LEVEL: 'warn',
});
try {
  const user = await signUp(t.app);
  const repo = new ConversationItemsRepo();
  console.log(
    `${t.database.kind}: AGENT_MEMORY_MAX_TOKENS=${t.config.chat.memoryMaxTokens}, median of ${REPEAT_OVERRIDE.value}`,
  );
  console.log(
    'messages | read ms  read ΔRSS | first run (summary) ms  ΔRSS | run ms   run ΔRSS | baseline: whole session ms  ΔRSS',
  );
  for (const size of SIZES) {
    const first = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: user.headers,
      payload: { message: `conversation of ${size}` },
    });
    if (first.statusCode !== 200) throw new Error(first.body);
    const { conversation_id: id } = first.json() as { conversation_id: string };
    const [{ tenant_id: tenantId }] = (
      await t.database.db.execute<{ tenant_id: string }>(sql`select tenant_id from conversations where id = ${id}`)
    ).rows;
    const seeding = Date.now();
    const text = 'lorem ipsum dolor sit amet '.repeat(38);
    // One branch: each seeded message the child of the previous one (the first, of the first
    // answer), each session item linked to its message, the last message the current leaf.
    await t.database.db.execute(sql`
      insert into messages (id, tenant_id, conversation_id, parent_id, role, content, agent)
      select c.id, ${tenantId}::uuid, ${id}::uuid,
             coalesce(lag(c.id) over (order by c.g), (select current_leaf_id from conversations where id = ${id})),
             case when c.g % 2 = 0 then 'user' else 'assistant' end,
             'message ' || c.g || ' ' || ${text}, case when c.g % 2 = 0 then null else 'triage' end
      from (select g, gen_random_uuid() as id from generate_series(1, ${size}) g) c
      order by c.g`);
    await t.database.db.execute(sql`
      insert into conversation_items (tenant_id, conversation_id, message_id, schema_version, item)
      select ${tenantId}::uuid, ${id}::uuid, m.id, 1,
             case when m.role = 'user' then jsonb_build_object('role', 'user', 'content', m.content)
             else jsonb_build_object('type', 'message', 'role', 'assistant', 'status', 'completed',
                    'content', jsonb_build_array(jsonb_build_object('type', 'output_text', 'text', m.content)))
             end
      from messages m
      where m.conversation_id = ${id}::uuid and m.run_id is null and m.content like 'message %'
      order by m.position`);
    await t.database.db.execute(sql`
      update conversations set current_leaf_id = (
        select id from messages where conversation_id = ${id}::uuid order by position desc limit 1)
      where id = ${id}::uuid`);
    // Fresh statistics, as autovacuum would gather after a bulk insert (the planner picks the indexes).
    await t.database.db.execute(sql`analyze messages`);
    await t.database.db.execute(sql`analyze conversation_items`);
    const seeded = Date.now() - seeding;

    const read = await measure(async () => {
      const res = await t.app.inject({ method: 'GET', url: `/api/v1/conversations/${id}`, headers: user.headers });
      if (res.statusCode !== 200) throw new Error(res.body);
    });
    const ask = async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/chat',
        headers: user.headers,
        payload: { message: 'one more question', conversation_id: id },
      });
      if (res.statusCode !== 200) throw new Error(res.body);
    };
    // The first run on a long conversation makes its summary (once): timed on its own.
    const firstRun = await measureOnce(ask);
    const run = await measure(ask);
    const baseline = await measure(async () => {
      const rows = await repo.items(t.database.db, tenantId, id);
      if (rows.length < size) throw new Error('baseline read fewer items than seeded');
    });
    console.log(
      `${String(size).padStart(8)} | ${read.ms.toFixed(1).padStart(7)}  ${mb(read.rss).padStart(6)} MiB | ` +
        `${firstRun.ms.toFixed(1).padStart(16)}  ${mb(firstRun.rss).padStart(6)} MiB | ` +
        `${run.ms.toFixed(1).padStart(7)}  ${mb(run.rss).padStart(6)} MiB | ` +
        `${baseline.ms.toFixed(1).padStart(7)}  ${mb(baseline.rss).padStart(6)} MiB   (seeded in ${seeded} ms)`,
    );
  }
} finally {
  await t.close();
}
