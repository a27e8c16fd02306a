CREATE TABLE "analysis_results" (
	"id" serial PRIMARY KEY NOT NULL,
	"video_id" integer NOT NULL,
	"result" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" serial PRIMARY KEY NOT NULL,
	"video_id" integer,
	"event" text NOT NULL,
	"actor" text NOT NULL,
	"from_stage" text,
	"to_stage" text,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "locks" (
	"name" text PRIMARY KEY NOT NULL,
	"owner" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "paid_call_journal" (
	"id" serial PRIMARY KEY NOT NULL,
	"video_id" integer NOT NULL,
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"request_hash" text NOT NULL,
	"status" text NOT NULL,
	"response" text,
	"error" text,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "videos" (
	"id" serial PRIMARY KEY NOT NULL,
	"source_id" text NOT NULL,
	"stage" text NOT NULL,
	"ready" boolean NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"lease_owner" text,
	"lease_token" text,
	"lease_expires_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workers" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text DEFAULT 'worker' NOT NULL,
	"host" text NOT NULL,
	"pid" integer NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"last_heartbeat_at" timestamp with time zone NOT NULL,
	"in_flight" integer DEFAULT 0 NOT NULL,
	"drain_requested_at" timestamp with time zone,
	"stopped_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "analysis_results_video_id_key" ON "analysis_results" USING btree ("video_id");--> statement-breakpoint
CREATE INDEX "audit_events_video_idx" ON "audit_events" USING btree ("video_id","id");--> statement-breakpoint
CREATE INDEX "paid_call_journal_video_request_idx" ON "paid_call_journal" USING btree ("video_id","request_hash");--> statement-breakpoint
CREATE INDEX "paid_call_journal_started_idx" ON "paid_call_journal" USING btree ("id") WHERE status = 'started';--> statement-breakpoint
CREATE UNIQUE INDEX "videos_source_id_key" ON "videos" USING btree ("source_id");--> statement-breakpoint
CREATE INDEX "videos_ready_idx" ON "videos" USING btree ("id") WHERE ready;--> statement-breakpoint
CREATE INDEX "videos_lease_expiry_idx" ON "videos" USING btree ("lease_expires_at") WHERE lease_token IS NOT NULL;--> statement-breakpoint
CREATE INDEX "videos_lease_owner_idx" ON "videos" USING btree ("lease_owner") WHERE lease_token IS NOT NULL;--> statement-breakpoint
CREATE INDEX "videos_unleased_stage_idx" ON "videos" USING btree ("stage","updated_at") WHERE lease_token IS NULL;