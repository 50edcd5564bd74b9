CREATE TABLE "profiles" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"display_name" text,
	"avatar_url" text,
	"locale" text,
	"timezone" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "profiles" ADD CONSTRAINT "profiles_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Move every existing user's name into its profile (one profile per user) before the column goes.
INSERT INTO "profiles" ("user_id", "display_name", "updated_at") SELECT "id", "display_name", "updated_at" FROM "users";--> statement-breakpoint
ALTER TABLE "users" DROP COLUMN "display_name";