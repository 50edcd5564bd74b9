import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteStatementClient, type PgliteStatementClient } from './pglite-statements.js';

/**
 * The embedded database's statement client (cached named prepared statements) answers exactly as
 * PGlite's own `query` does: the same rows, fields, counts and errors, in and out of transactions,
 * and a prepared statement whose table changed under it is prepared again.
 */
describe('PGlite statement client', () => {
  let pglite: PGlite;
  let client: PgliteStatementClient;

  beforeAll(async () => {
    pglite = new PGlite();
    await pglite.waitReady;
    client = await pgliteStatementClient(pglite, 3);
    await pglite.exec(
      `create table t (id int primary key, name text not null, doc jsonb, at timestamptz, tags text[])`,
    );
  });
  afterAll(async () => {
    await pglite.close();
  });

  const strip = (r: object) => JSON.parse(JSON.stringify(r));

  it('returns what PGlite query returns, first use and cached, objects and arrays', async () => {
    const insert = 'insert into t (id, name, doc, at, tags) values ($1, $2, $3, $4, $5) returning *';
    const at = new Date('2026-12-07T05:00:00Z');
    for (const id of [1, 2]) {
      const mine = await client.query(insert, [id, `n${id}`, { a: [id] }, at, ['x', 'y']]);
      const theirs = await pglite.query(insert.replace('(id', '(id').replace('$1', `$1 + 100`), [
        id,
        `n${id}`,
        { a: [id] },
        at,
        ['x', 'y'],
      ]);
      expect(strip({ ...mine, rows: mine.rows.map((r) => ({ ...(r as object), id: 0 })) })).toEqual(
        strip({ ...theirs, rows: theirs.rows.map((r) => ({ ...(r as object), id: 0 })) }),
      );
      expect(mine).toMatchObject({ command: 'INSERT', affectedRows: 1, rowCount: 1 });
    }
    const select = 'select id, name, doc, tags from t where id = any($1) order by id';
    for (const rowMode of ['object', 'array'] as const) {
      for (let i = 0; i < 2; i++) {
        expect(strip(await client.query(select, [[1, 2]], { rowMode }))).toEqual(
          strip(await pglite.query(select, [[1, 2]], { rowMode })),
        );
      }
    }
    const update = 'update t set name = name where id > $1';
    expect(strip(await client.query(update, [0]))).toEqual(strip(await pglite.query(update, [0])));
    expect(await client.query('select 1 as one where false')).toMatchObject({ rows: [], rowCount: 0 });
  });

  it('raises the database error of a statement, annotated like PGlite, and the next statement runs', async () => {
    const insert = 'insert into t (id, name) values ($1, $2)';
    await client.query(insert, [10, 'a']);
    await expect(client.query(insert, [10, 'b'])).rejects.toMatchObject({ code: '23505', query: insert });
    await expect(client.query('select nope from t')).rejects.toMatchObject({ code: '42703' });
    expect((await client.query<{ n: number }>('select count(*)::int as n from t where id = $1', [10])).rows).toEqual([
      { n: 1 },
    ]);
  });

  it('runs statements in transactions: committed, rolled back on a throw, aborted by an error', async () => {
    const insert = 'insert into t (id, name) values ($1, $2)';
    await client.transaction(async (tx) => {
      await tx.query(insert, [20, 'a']);
      await tx.query(insert, [21, 'b']);
    });
    await expect(
      client.transaction(async (tx) => {
        await tx.query(insert, [22, 'c']);
        throw new Error('stop');
      }),
    ).rejects.toThrow('stop');
    await expect(
      client.transaction(async (tx) => {
        await tx.query(insert, [23, 'd']);
        await tx.query(insert, [20, 'dup']);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    const ids = await client.query<{ id: number }>('select id from t where id between 20 and 29 order by id');
    expect(ids.rows.map((r) => r.id)).toEqual([20, 21]);
  });

  it('prepares a statement again when its table changed, and keeps at most its cache size prepared', async () => {
    const select = 'select * from t where id = $1';
    await client.query(select, [1]);
    await pglite.exec('alter table t add column extra int default 7');
    const again = await client.query<{ extra: number }>(select, [1]);
    expect(again.rows[0]?.extra).toBe(7);
    for (let i = 0; i < 5; i++) await client.query(`select ${i} as n where $1::int > 0`, [1]);
    const prepared = await pglite.query<{ n: number }>(
      `select count(*)::int as n from pg_prepared_statements where name like 'pglite_s%'`,
    );
    expect(prepared.rows[0]?.n).toBeLessThanOrEqual(3);
  });
});
