import { sql } from "drizzle-orm";
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

// Tables are unqualified: the store sets search_path, so one database can hold several
// isolated holdfast schemas (tests, tenants). Times come from the caller, never now().
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** The task rows: one per video. */
export const videos = pgTable(
  "videos",
  {
    id: serial("id").primaryKey(),
    sourceId: text("source_id").notNull(),
    stage: text("stage").notNull(),
    /**
     * stage is a ready stage AND no lease is held. Derived, but kept as a column so the claim
     * walks a partial index of exactly the claimable rows (`WHERE ready`) whatever the
     * project's stage names: finished rows are never scanned. The store sets it on every write.
     */
    ready: boolean("ready").notNull(),
    data: jsonb("data").notNull().default({}),
    attempts: integer("attempts").notNull().default(0),
    leaseOwner: text("lease_owner"),
    leaseToken: text("lease_token"),
    leaseExpiresAt: ts("lease_expires_at"),
    lastError: text("last_error"),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("videos_source_id_key").on(t.sourceId),
    index("videos_ready_idx").on(t.id).where(sql`ready`),
    // Exactly the leased rows (the rows in flight), for the recovery sweep. Heartbeats and
    // completions name their rows and find them by primary key, so there is no index on
    // lease_owner: it would cost every claim one more index write.
    index("videos_lease_expiry_idx").on(t.leaseExpiresAt).where(sql`lease_token IS NOT NULL`),
    index("videos_unleased_stage_idx").on(t.stage, t.updatedAt).where(sql`lease_token IS NULL`),
  ],
);

/** Exactly one result per video: the unique key makes a second one an error, not a duplicate. */
export const analysisResults = pgTable(
  "analysis_results",
  {
    id: serial("id").primaryKey(),
    // Foreign key added by the custom migration 0001: drizzle-kit would qualify it with
    // "public", which breaks schema isolation through search_path.
    videoId: integer("video_id").notNull(),
    result: jsonb("result").notNull(),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [uniqueIndex("analysis_results_video_id_key").on(t.videoId)],
);

export const paidCallJournal = pgTable(
  "paid_call_journal",
  {
    id: serial("id").primaryKey(),
    // Foreign key added by the custom migration 0001: drizzle-kit would qualify it with
    // "public", which breaks schema isolation through search_path.
    videoId: integer("video_id").notNull(),
    provider: text("provider").notNull(),
    model: text("model").notNull(),
    requestHash: text("request_hash").notNull(),
    status: text("status").notNull(),
    response: text("response"),
    error: text("error"),
    startedAt: ts("started_at").notNull(),
    finishedAt: ts("finished_at"),
  },
  (t) => [
    index("paid_call_journal_video_request_idx").on(t.videoId, t.requestHash),
    index("paid_call_journal_started_idx").on(t.id).where(sql`status = 'started'`),
  ],
);

export const workers = pgTable("workers", {
  id: text("id").primaryKey(),
  kind: text("kind").notNull().default("worker"),
  host: text("host").notNull(),
  pid: integer("pid").notNull(),
  startedAt: ts("started_at").notNull(),
  lastHeartbeatAt: ts("last_heartbeat_at").notNull(),
  inFlight: integer("in_flight").notNull().default(0),
  drainRequestedAt: ts("drain_requested_at"),
  stoppedAt: ts("stopped_at"),
});

export const locks = pgTable("locks", {
  name: text("name").primaryKey(),
  owner: text("owner").notNull(),
  expiresAt: ts("expires_at").notNull(),
});

export const auditEvents = pgTable(
  "audit_events",
  {
    id: serial("id").primaryKey(),
    videoId: integer("video_id"),
    event: text("event").notNull(),
    actor: text("actor").notNull(),
    fromStage: text("from_stage"),
    toStage: text("to_stage"),
    detail: jsonb("detail").notNull().default({}),
    at: ts("at").notNull(),
  },
  (t) => [index("audit_events_video_idx").on(t.videoId, t.id)],
);
