ALTER TABLE "billing_subscriptions" ADD COLUMN "stripe_schedule_id" text;--> statement-breakpoint
ALTER TABLE "billing_subscriptions" ADD COLUMN "pending_plan_code" text;--> statement-breakpoint
ALTER TABLE "billing_subscriptions" ADD COLUMN "pending_change_at" timestamp with time zone;