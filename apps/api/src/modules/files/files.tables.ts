import { sql } from 'drizzle-orm';
import { bigint, customType, index, integer, pgTable, real, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * A tenant's uploaded file (API.md "Files and knowledge"). The object is written to storage first
 * and this row second, so a crash between them leaves an object without a row (never the reverse);
 * the cleanup job removes such orphans. `storage_key` is `<tenant>/<id>`.
 */
export const files = pgTable(
  'files',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    uploadedBy: uuid('uploaded_by'),
    filename: text('filename').notNull(),
    contentType: text('content_type').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    purpose: text('purpose').$type<'knowledge' | 'attachment'>().notNull(),
    status: text('status').$type<'processing' | 'ready' | 'failed'>().notNull(),
    error: text('error'),
    chunkCount: integer('chunk_count').notNull().default(0),
    storageKey: text('storage_key').notNull(),
    /** Extracted text of an attachment document (kept for chat), bounded. */
    extractedText: text('extracted_text'),
    embeddingModel: text('embedding_model'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('files_tenant_created_idx').on(t.tenantId, t.createdAt, t.id),
    index('files_storage_key_idx').on(t.storageKey),
  ],
);

/**
 * The chunks of a knowledge file: text with its page, a full-text vector (GIN) and an embedding
 * (`real[]`, compared by exact cosine: no extension needed).
 */
export const fileChunks = pgTable(
  'file_chunks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id').notNull(),
    fileId: uuid('file_id')
      .notNull()
      .references(() => files.id, { onDelete: 'cascade' }),
    ordinal: integer('ordinal').notNull(),
    page: integer('page'),
    text: text('text').notNull(),
    tsv: tsvector('tsv').generatedAlwaysAs(sql`to_tsvector('english', "text")`),
    embedding: real('embedding').array().notNull(),
    /**
     * The model that made `embedding` (`openai:<model>`, `offline:hashed-trigrams:256`). Search reads
     * only chunks of the configured model; `agentry knowledge reindex` re-embeds the others. The
     * default only marks rows from before this column (the migration backfills them from the file).
     */
    embeddingModel: text('embedding_model').notNull().default('unknown'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('file_chunks_file_idx').on(t.fileId, t.ordinal),
    index('file_chunks_tenant_created_idx').on(t.tenantId, t.createdAt),
    index('file_chunks_model_idx').on(t.embeddingModel, t.id),
    index('file_chunks_tsv_idx').using('gin', t.tsv),
  ],
);
