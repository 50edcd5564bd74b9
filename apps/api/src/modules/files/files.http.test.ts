import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FileObject, KnowledgeHit } from '@agentry/contracts';
import { sql } from 'drizzle-orm';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { addMember, NO_LOGIN_THROTTLE, signUp, type TestUser } from '../../../test/factories.js';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { makeDocx, makePdf, makePng, multipart, type Part } from '../../../test/support/knowledge-files.js';
import { HashedNgramEmbedder } from './embeddings.js';
import { FilesRepo } from './files.repo.js';
import { FilesService } from './files.service.js';
import { createObjectStorage, type ObjectStorage } from './storage.js';

const MAX = 300_000;

/** API.md "Files and knowledge", over HTTP, on local disk and on an S3-compatible server. */
describe.each(['local', 's3'] as const)('files and knowledge on %s storage', (driver) => {
  let t: TestApp;
  let s3: S3rver | undefined;
  let s3Dir: string | undefined;
  let owner: TestUser;
  let viewer: TestUser;
  let stranger: TestUser;
  let storage: ObjectStorage;
  let env: Record<string, string>;

  const upload = (user: TestUser, parts: Part[]) => {
    const body = multipart(parts);
    return t.app.inject({
      method: 'POST',
      url: '/api/v1/files',
      headers: { ...user.headers, ...body.headers },
      payload: body.payload,
    });
  };
  const call = (user: TestUser, method: string, url: string, payload?: object) =>
    t.app.inject({ method: method as 'GET', url, headers: user.headers, ...(payload ? { payload } : {}) });
  const ready = async (user: TestUser, id: string): Promise<FileObject> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const res = await call(user, 'GET', `/api/v1/files/${id}`);
      expect(res.statusCode, res.body).toBe(200);
      const file = res.json() as FileObject;
      if (file.status !== 'processing' || Date.now() > deadline) return file;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const search = async (user: TestUser, query: string, extra: object = {}) => {
    const res = await call(user, 'POST', '/api/v1/knowledge/search', { query, ...extra });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { items: KnowledgeHit[] }).items;
  };
  const objectCount = async () => {
    let n = 0;
    for await (const _ of storage.list()) n++;
    return n;
  };

  let pdf: FileObject;
  let docx: FileObject;
  let md: FileObject;

  beforeAll(async () => {
    env = { ...NO_LOGIN_THROTTLE, FILES_MAX_BYTES: String(MAX) };
    if (driver === 's3') {
      s3Dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentry-s3-'));
      s3 = new S3rver({
        port: 0,
        address: '127.0.0.1',
        silent: true,
        directory: s3Dir,
        configureBuckets: [{ name: 'agentry-files', configs: [] }],
      });
      const address = (await s3.run()) as { port: number };
      Object.assign(env, {
        STORAGE_DRIVER: 's3',
        S3_BUCKET: 'agentry-files',
        S3_ENDPOINT: `http://127.0.0.1:${address.port}`,
        S3_FORCE_PATH_STYLE: 'true',
        S3_ACCESS_KEY_ID: 'S3RVER',
        S3_SECRET_ACCESS_KEY: 'S3RVER',
      });
    }
    t = await createTestApp(env);
    storage = createObjectStorage({
      driver: t.config.files.driver,
      dir: t.config.files.dir,
      s3: { ...t.config.files.s3 },
    });
    owner = await signUp(t.app);
    stranger = await signUp(t.app);
    viewer = await addMember(t.app, owner, 'viewer');
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await s3?.close();
    if (s3Dir) fs.rmSync(s3Dir, { recursive: true, force: true });
  });

  it('uploads a multi-page PDF, a DOCX and Markdown; each becomes ready with chunks', async () => {
    const pdfBytes = await makePdf([
      'Quarterly planning notes. The team reviewed the roadmap and the hiring plan for next year.',
      'The zebrafinch migration protocol requires three signatures from the facilities committee before any move.',
      'Appendix: office locations, parking rules and the cafeteria menu.',
    ]);
    const res = await upload(owner, [
      { name: 'purpose', data: 'knowledge' },
      { name: 'file', filename: 'handbook.pdf', type: 'application/pdf', data: pdfBytes },
    ]);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      filename: 'handbook.pdf',
      content_type: 'application/pdf',
      size_bytes: pdfBytes.length,
      purpose: 'knowledge',
      status: 'processing',
      uploaded_by: owner.session.user_id,
    });
    expect(res.json().sha256).toBe((await import('node:crypto')).createHash('sha256').update(pdfBytes).digest('hex'));
    pdf = await ready(owner, res.json().id);
    expect(pdf).toMatchObject({ status: 'ready', error: null });
    expect(pdf.chunk_count).toBeGreaterThanOrEqual(3);

    const docxRes = await upload(owner, [
      {
        name: 'file',
        filename: 'policy.docx',
        data: await makeDocx(['Travel policy.', 'Expenses for the quokka conference are reimbursed within ten days.']),
      },
    ]);
    expect(docxRes.statusCode, docxRes.body).toBe(201);
    docx = await ready(owner, docxRes.json().id);
    expect(docx).toMatchObject({
      status: 'ready',
      content_type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    });

    const mdRes = await upload(owner, [
      {
        name: 'file',
        filename: 'notes.md',
        type: 'text/markdown',
        data: '# Notes\n\nThe narwhal budget was approved on Tuesday.\n\n## Other\n\nNothing else.',
      },
    ]);
    expect(mdRes.statusCode, mdRes.body).toBe(201);
    md = await ready(owner, mdRes.json().id);
    expect(md).toMatchObject({ status: 'ready', content_type: 'text/markdown', chunk_count: 1 });
  });

  it('search finds the right chunk (with its page) in each file, best first', async () => {
    const [hit] = await search(owner, 'zebrafinch migration protocol');
    expect(hit).toMatchObject({ file_id: pdf.id, filename: 'handbook.pdf', page: 2 });
    expect(hit?.text).toContain('three signatures');
    expect((await search(owner, 'quokka conference expenses'))[0]).toMatchObject({ file_id: docx.id, page: null });
    expect((await search(owner, 'When was the narwhal budget approved?'))[0]).toMatchObject({ file_id: md.id });
    const only = await search(owner, 'zebrafinch', { file_ids: [md.id], limit: 50 });
    expect(only.every((h) => h.file_id === md.id)).toBe(true);
    // A viewer reads the tenant's knowledge; a stranger's search sees nothing of it.
    expect((await search(viewer, 'zebrafinch'))[0]?.file_id).toBe(pdf.id);
    expect(await search(stranger, 'zebrafinch migration protocol')).toEqual([]);
  });

  it('lists newest first with a cursor; downloads the bytes as an attachment with nosniff', async () => {
    const page1 = (await call(owner, 'GET', '/api/v1/files?limit=2')).json();
    expect(page1.items.map((f: FileObject) => f.id)).toEqual([md.id, docx.id]);
    const page2 = (await call(owner, 'GET', `/api/v1/files?limit=2&cursor=${page1.next_cursor}`)).json();
    expect(page2.items.map((f: FileObject) => f.id)).toEqual([pdf.id]);
    expect(page2.next_cursor).toBeNull();
    const content = await call(owner, 'GET', `/api/v1/files/${md.id}/content`);
    expect(content.statusCode).toBe(200);
    expect(content.headers['content-type']).toMatch(/^text\/markdown/);
    expect(content.headers['content-disposition']).toMatch(/^attachment; filename="notes.md"/);
    expect(content.headers['x-content-type-options']).toBe('nosniff');
    expect(content.body).toContain('narwhal budget');
  });

  it("another tenant's file is 404 everywhere; a viewer cannot upload or delete", async () => {
    for (const [method, url] of [
      ['GET', `/api/v1/files/${pdf.id}`],
      ['GET', `/api/v1/files/${pdf.id}/content`],
      ['DELETE', `/api/v1/files/${pdf.id}`],
    ] as const) {
      const res = await call(stranger, method, url);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    expect((await call(stranger, 'GET', '/api/v1/files')).json().items).toEqual([]);
    expect((await upload(viewer, [{ name: 'file', filename: 'a.txt', data: 'hello' }])).statusCode).toBe(403);
    expect((await call(viewer, 'DELETE', `/api/v1/files/${pdf.id}`)).statusCode).toBe(403);
    expect((await call(owner, 'GET', `/api/v1/files/${pdf.id}`)).statusCode).toBe(200);
  });

  it('refuses by the bytes: 415 for an executable named .pdf, a PNG as knowledge, a polyglot; 413 over the limit', async () => {
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(200)]);
    const mz = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(100), Buffer.from('%PDF-1.7')]);
    const before = await objectCount();
    for (const [filename, type, data] of [
      ['report.pdf', 'application/pdf', elf],
      ['report.pdf', 'application/pdf', mz],
      ['image.png', 'image/png', makePng()],
      ['fake.pdf', 'application/pdf', Buffer.from('just some text pretending')],
      ['binary.txt', 'text/plain', Buffer.from([0x68, 0x69, 0x00, 0xff, 0xfe])],
    ] as const) {
      const res = await upload(owner, [{ name: 'file', filename, type, data }]);
      expect(res.statusCode, `${filename}: ${res.body}`).toBe(415);
      expect(res.json().code).toBe('unsupported_media_type');
    }
    const big = await upload(owner, [
      { name: 'file', filename: 'big.txt', type: 'text/plain', data: 'a'.repeat(MAX + 10) },
    ]);
    expect(big.statusCode, big.body).toBe(413);
    expect(big.json().code).toBe('payload_too_large');
    const notMultipart = await call(owner, 'POST', '/api/v1/files', { file: 'x' });
    expect(notMultipart.statusCode).toBe(415);
    const badPurpose = await upload(owner, [
      { name: 'purpose', data: 'other' },
      { name: 'file', filename: 'a.txt', data: 'hi' },
    ]);
    expect(badPurpose.statusCode).toBe(422);
    // Nothing refused left bytes behind.
    expect(await objectCount()).toBe(before);
  });

  it('a PNG is accepted as an attachment (ready at once); corrupt and empty documents fail with a clear error', async () => {
    const png = await upload(owner, [
      { name: 'purpose', data: 'attachment' },
      { name: 'file', filename: 'dot.png', data: makePng() },
    ]);
    expect(png.statusCode, png.body).toBe(201);
    expect(png.json()).toMatchObject({ content_type: 'image/png', status: 'ready', purpose: 'attachment' });
    const corrupt = await upload(owner, [
      { name: 'file', filename: 'broken.pdf', data: Buffer.from('%PDF-1.7\n garbage garbage') },
    ]);
    expect(corrupt.statusCode, corrupt.body).toBe(201);
    expect(await ready(owner, corrupt.json().id)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/PDF/),
    });
    const blank = await upload(owner, [{ name: 'file', filename: 'blank.pdf', data: await makePdf(['']) }]);
    expect(await ready(owner, blank.json().id)).toMatchObject({
      status: 'failed',
      error: 'The file contains no text.',
    });
    for (const id of [png.json().id, corrupt.json().id, blank.json().id])
      expect((await call(owner, 'DELETE', `/api/v1/files/${id}`)).statusCode).toBe(204);
  });

  it('delete removes the row, its chunks and the object', async () => {
    const key = `${owner.session.tenant_id}/${md.id}`;
    const objects = async () => {
      const keys: string[] = [];
      for await (const o of storage.list()) keys.push(o.key);
      return keys;
    };
    expect(await objects()).toContain(key);
    const res = await call(owner, 'DELETE', `/api/v1/files/${md.id}`);
    expect(res.statusCode).toBe(204);
    expect((await call(owner, 'GET', `/api/v1/files/${md.id}`)).statusCode).toBe(404);
    expect(await objects()).not.toContain(key);
    const chunks = await t.database.db.execute(
      sql`select count(*)::int as n from file_chunks where file_id = ${md.id}`,
    );
    expect(chunks.rows[0]).toEqual({ n: 0 });
    expect(await search(owner, 'narwhal budget')).toSatisfy((hits: KnowledgeHit[]) =>
      hits.every((h) => h.file_id !== md.id),
    );
  });

  it('a crash between the object and the row leaves nothing visible; the cleanup job removes the orphan', async () => {
    const service = new FilesService({
      database: t.database,
      repo: new FilesRepo(),
      storage,
      embedder: new HashedNgramEmbedder(),
      jobs: t.ports.jobs,
      quota: { storageLimitBytes: async () => null },
      audit: { record: async () => {} },
      logger: pino({ level: 'silent' }),
      maxBytes: MAX,
    });
    // What upload does first, then "crashes": the object exists, the row never does.
    const orphan = `${owner.session.tenant_id}/${randomUUID()}`;
    await storage.put(orphan, Readable.from([Buffer.from('half an upload')]));
    const ids = (await call(owner, 'GET', '/api/v1/files?limit=100')).json().items.map((f: FileObject) => f.id);
    expect(ids).not.toContain(orphan.split('/')[1]);
    // Too recent for the cleanup (an upload may be between its two steps right now).
    expect(await service.removeOrphans(60_000)).toBe(0);
    expect(await service.removeOrphans(60_000, Date.now() + 120_000)).toBe(1);
    const keys: string[] = [];
    for await (const o of storage.list()) keys.push(o.key);
    expect(keys).not.toContain(orphan);
    expect(keys).toContain(`${owner.session.tenant_id}/${pdf.id}`); // files with rows stay
  });

  it("429 when the plan's storage_bytes is reached (billing off: the starter plan's limit)", async () => {
    const used = pdf.size_bytes + docx.size_bytes;
    await t.database.db.execute(sql`
      update billing_plans set features = (
        select jsonb_agg(case when f->>'key' = 'storage_bytes' then jsonb_set(f, '{hard_limit}', to_jsonb(${used + 1500}::bigint)) else f end)
        from jsonb_array_elements(features) f)
      where code = 'starter'`);
    const ok = await upload(owner, [{ name: 'file', filename: 'a.txt', data: 'x'.repeat(1000) }]);
    expect(ok.statusCode, ok.body).toBe(201);
    const over = await upload(owner, [{ name: 'file', filename: 'b.txt', data: 'y'.repeat(1000) }]);
    expect(over.statusCode, over.body).toBe(429);
    expect(over.json()).toMatchObject({ code: 'usage_limit_exceeded' });
    // Billing's usage shows the bytes stored against the limit.
    const usage = await call(owner, 'GET', `/api/v1/billing/tenants/${owner.session.tenant_id}/usage`);
    expect(usage.statusCode, usage.body).toBe(200);
    expect(usage.json().items.find((i: { feature_key: string }) => i.feature_key === 'storage_bytes')).toMatchObject({
      used: used + 1000,
      hard_limit: used + 1500,
    });
    // Another tenant is not affected by this tenant's usage.
    expect((await upload(stranger, [{ name: 'file', filename: 'c.txt', data: 'z'.repeat(1000) }])).statusCode).toBe(
      201,
    );
  });
});
