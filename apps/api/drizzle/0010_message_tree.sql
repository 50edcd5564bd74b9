ALTER TABLE "conversation_items" ADD COLUMN "message_id" uuid;--> statement-breakpoint
ALTER TABLE "conversation_shares" ADD COLUMN "leaf_message_id" uuid;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "current_leaf_id" uuid;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "parent_id" uuid;--> statement-breakpoint
ALTER TABLE "conversation_items" ADD CONSTRAINT "conversation_items_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_parent_id_messages_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "conversation_items_message_idx" ON "conversation_items" USING btree ("message_id","position");--> statement-breakpoint
CREATE INDEX "messages_conversation_parent_idx" ON "messages" USING btree ("conversation_id","parent_id","position");--> statement-breakpoint
-- data: existing (linear) conversations become chains, without loss. Each message's parent is the
-- message before it (position order), the current leaf is the last one, each SDK item belongs to
-- the answer of its run (else the last message written before it), each share to the last message
-- it showed. Only conversations without a current leaf (those written before the tree) are touched.
UPDATE "messages" m SET "parent_id" = p."prev" FROM (
	SELECT x."id", lag(x."id") OVER (PARTITION BY x."conversation_id" ORDER BY x."position") AS "prev"
	FROM "messages" x JOIN "conversations" c ON c."id" = x."conversation_id" AND c."current_leaf_id" IS NULL
) p WHERE p."id" = m."id" AND p."prev" IS NOT NULL AND m."parent_id" IS NULL;
--> statement-breakpoint
UPDATE "conversation_items" ci SET "message_id" = m."id" FROM "messages" m, "conversations" c
WHERE ci."message_id" IS NULL AND c."id" = ci."conversation_id" AND c."current_leaf_id" IS NULL
	AND m."conversation_id" = ci."conversation_id" AND m."run_id" = ci."run_id" AND m."role" = 'assistant';
--> statement-breakpoint
UPDATE "conversation_items" ci SET "message_id" = coalesce(
	(SELECT m."id" FROM "messages" m WHERE m."conversation_id" = ci."conversation_id" AND m."created_at" <= ci."created_at"
		ORDER BY m."position" DESC LIMIT 1),
	(SELECT m."id" FROM "messages" m WHERE m."conversation_id" = ci."conversation_id" ORDER BY m."position" LIMIT 1))
FROM "conversations" c
WHERE ci."message_id" IS NULL AND c."id" = ci."conversation_id" AND c."current_leaf_id" IS NULL;
--> statement-breakpoint
UPDATE "conversation_shares" s SET "leaf_message_id" = (
	SELECT m."id" FROM "messages" m WHERE m."conversation_id" = s."conversation_id" AND m."position" <= s."last_position"
	ORDER BY m."position" DESC LIMIT 1)
WHERE s."leaf_message_id" IS NULL;
--> statement-breakpoint
UPDATE "conversations" c SET "current_leaf_id" = l."id" FROM (
	SELECT DISTINCT ON ("conversation_id") "conversation_id", "id" FROM "messages" ORDER BY "conversation_id", "position" DESC
) l WHERE l."conversation_id" = c."id" AND c."current_leaf_id" IS NULL;
