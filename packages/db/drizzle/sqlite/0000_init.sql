CREATE TABLE `analysis_results` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`video_id` integer NOT NULL,
	`result` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`video_id`) REFERENCES `videos`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `analysis_results_video_id_key` ON `analysis_results` (`video_id`);--> statement-breakpoint
CREATE TABLE `audit_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`video_id` integer,
	`event` text NOT NULL,
	`actor` text NOT NULL,
	`from_stage` text,
	`to_stage` text,
	`detail` text DEFAULT '{}' NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_events_video_idx` ON `audit_events` (`video_id`,`id`);--> statement-breakpoint
CREATE TABLE `locks` (
	`name` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `paid_call_journal` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`video_id` integer NOT NULL,
	`provider` text NOT NULL,
	`model` text NOT NULL,
	`request_hash` text NOT NULL,
	`status` text NOT NULL,
	`response` text,
	`error` text,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`video_id`) REFERENCES `videos`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `paid_call_journal_video_request_idx` ON `paid_call_journal` (`video_id`,`request_hash`);--> statement-breakpoint
CREATE INDEX `paid_call_journal_started_idx` ON `paid_call_journal` (`id`) WHERE status = 'started';--> statement-breakpoint
CREATE TABLE `videos` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`source_id` text NOT NULL,
	`stage` text NOT NULL,
	`ready` integer NOT NULL,
	`data` text DEFAULT '{}' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`lease_owner` text,
	`lease_token` text,
	`lease_expires_at` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `videos_source_id_key` ON `videos` (`source_id`);--> statement-breakpoint
CREATE INDEX `videos_ready_idx` ON `videos` (`id`) WHERE ready = 1;--> statement-breakpoint
CREATE INDEX `videos_lease_expiry_idx` ON `videos` (`lease_expires_at`) WHERE lease_token IS NOT NULL;--> statement-breakpoint
CREATE INDEX `videos_lease_owner_idx` ON `videos` (`lease_owner`) WHERE lease_token IS NOT NULL;--> statement-breakpoint
CREATE INDEX `videos_unleased_stage_idx` ON `videos` (`stage`,`updated_at`) WHERE lease_token IS NULL;--> statement-breakpoint
CREATE TABLE `workers` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text DEFAULT 'worker' NOT NULL,
	`host` text NOT NULL,
	`pid` integer NOT NULL,
	`started_at` integer NOT NULL,
	`last_heartbeat_at` integer NOT NULL,
	`in_flight` integer DEFAULT 0 NOT NULL,
	`drain_requested_at` integer,
	`stopped_at` integer
);
