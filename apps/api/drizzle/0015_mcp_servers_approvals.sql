CREATE TABLE "chat_run_approvals" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"conversation_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"call_id" text NOT NULL,
	"name" text NOT NULL,
	"arguments" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"message" text,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "chat_run_pauses" (
	"run_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"conversation_id" uuid NOT NULL,
	"user_message_id" uuid NOT NULL,
	"history_tip_id" uuid,
	"agent" text NOT NULL,
	"status" text DEFAULT 'pausing' NOT NULL,
	"state" text NOT NULL,
	"caller" jsonb NOT NULL,
	"staged_items" jsonb NOT NULL,
	"transcript" jsonb NOT NULL,
	"next_event_id" integer NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mcp_servers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"url" text NOT NULL,
	"transport" text NOT NULL,
	"headers_sealed" text,
	"header_names" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"allowed_tools" jsonb,
	"require_approval" jsonb NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"status" text NOT NULL,
	"last_error" text,
	"tools" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_by" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "chat_run_approvals_run_call_idx" ON "chat_run_approvals" USING btree ("run_id","call_id");--> statement-breakpoint
CREATE INDEX "chat_run_approvals_owner_idx" ON "chat_run_approvals" USING btree ("tenant_id","user_id","status","requested_at");--> statement-breakpoint
CREATE INDEX "chat_run_pauses_waiting_idx" ON "chat_run_pauses" USING btree ("expires_at") WHERE status in ('pausing', 'waiting');--> statement-breakpoint
CREATE UNIQUE INDEX "mcp_servers_tenant_name_idx" ON "mcp_servers" USING btree ("tenant_id","name");