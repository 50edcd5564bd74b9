CREATE TABLE "file_chunks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"file_id" uuid NOT NULL,
	"ordinal" integer NOT NULL,
	"page" integer,
	"text" text NOT NULL,
	"tsv" "tsvector" GENERATED ALWAYS AS (to_tsvector('english', "text")) STORED,
	"embedding" real[] NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "files" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"uploaded_by" uuid,
	"filename" text NOT NULL,
	"content_type" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"sha256" text NOT NULL,
	"purpose" text NOT NULL,
	"status" text NOT NULL,
	"error" text,
	"chunk_count" integer DEFAULT 0 NOT NULL,
	"storage_key" text NOT NULL,
	"extracted_text" text,
	"embedding_model" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "file_chunks" ADD CONSTRAINT "file_chunks_file_id_files_id_fk" FOREIGN KEY ("file_id") REFERENCES "public"."files"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "file_chunks_file_idx" ON "file_chunks" USING btree ("file_id","ordinal");--> statement-breakpoint
CREATE INDEX "file_chunks_tenant_created_idx" ON "file_chunks" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "file_chunks_tsv_idx" ON "file_chunks" USING gin ("tsv");--> statement-breakpoint
CREATE INDEX "files_tenant_created_idx" ON "files" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "files_storage_key_idx" ON "files" USING btree ("storage_key");--> statement-breakpoint
-- The plan feature `storage_bytes` (API.md "Files and knowledge"): starter 1 GiB, pro 20 GiB.
UPDATE "billing_plans" SET "features" = "features" || '[{"key":"storage_bytes","display_name":"File storage (bytes)","hard_limit":1073741824,"soft_limit":858993459,"metered":false}]'::jsonb
  WHERE "code" = 'starter' AND NOT "features" @> '[{"key":"storage_bytes"}]'::jsonb;
--> statement-breakpoint
UPDATE "billing_plans" SET "features" = "features" || '[{"key":"storage_bytes","display_name":"File storage (bytes)","hard_limit":21474836480,"soft_limit":17179869184,"metered":false}]'::jsonb
  WHERE "code" = 'pro' AND NOT "features" @> '[{"key":"storage_bytes"}]'::jsonb;
