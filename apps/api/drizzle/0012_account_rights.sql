ALTER TABLE "one_time_tokens" ADD COLUMN "new_email" text;--> statement-breakpoint
ALTER TABLE "one_time_tokens" ADD COLUMN "session_id" uuid;--> statement-breakpoint
-- Account deletion (API.md "Account security"): the log stays append-only, but a deleted user's
-- address may be erased from it. With `agentry.audit_erase` on (one transaction of the account
-- deletion), an UPDATE that only sets `actor_email` to NULL and/or drops the `email` key of
-- `metadata` passes; any other change is refused.
CREATE OR REPLACE FUNCTION "audit_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' AND coalesce(current_setting('agentry.audit_purge', true), '') = 'on' THEN
		RETURN OLD;
	END IF;
	IF TG_OP = 'UPDATE' AND coalesce(current_setting('agentry.audit_erase', true), '') = 'on'
		AND (NEW.actor_email IS NULL OR NEW.actor_email = OLD.actor_email)
		AND (NEW.metadata = OLD.metadata OR NEW.metadata = OLD.metadata - 'email')
		AND (to_jsonb(NEW) - 'actor_email' - 'metadata') = (to_jsonb(OLD) - 'actor_email' - 'metadata') THEN
		RETURN NEW;
	END IF;
	RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
