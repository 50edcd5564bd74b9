ALTER TABLE "file_chunks" ADD COLUMN "embedding_model" text DEFAULT 'unknown' NOT NULL;--> statement-breakpoint
CREATE INDEX "file_chunks_model_idx" ON "file_chunks" USING btree ("embedding_model","id");--> statement-breakpoint
-- >>> hand-written
-- Chunks from before this column take their file's model, renamed to the `<provider>:<model>` ids
-- (`offline-hashed-trigrams-256` was the offline model; any other name was an OpenAI model). Chunks
-- of a file without a model stay `unknown`: stale, so `agentry knowledge reindex` re-embeds them.
UPDATE "files" SET "embedding_model" = CASE
    WHEN "embedding_model" = 'offline-hashed-trigrams-256' THEN 'offline:hashed-trigrams:256'
    ELSE 'openai:' || "embedding_model" END
  WHERE "embedding_model" IS NOT NULL AND "embedding_model" NOT LIKE '%:%';
--> statement-breakpoint
UPDATE "file_chunks" c SET "embedding_model" = f."embedding_model"
  FROM "files" f WHERE f."id" = c."file_id" AND f."embedding_model" IS NOT NULL;
-- <<< end
