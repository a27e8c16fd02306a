import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// Times are epoch milliseconds: `now` always comes from the caller, never from the database
// clock, so every statement and every test agrees on it.

/** The task rows: one per video. */
export const videos = sqliteTable(
  "videos",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    sourceId: text("source_id").notNull(),
    stage: text("stage").notNull(),
    /**
     * stage is a ready stage AND no lease is held. Derived, but kept as a column so the claim
     * can walk a partial index of exactly the claimable rows: finished rows (the vast
     * majority of a long-lived table) are never scanned. The store sets it on every write.
     */
    ready: integer("ready", { mode: "boolean" }).notNull(),
    data: text("data").notNull().default("{}"),
    attempts: integer("attempts").notNull().default(0),
    leaseOwner: text("lease_owner"),
    leaseToken: text("lease_token"),
    leaseExpiresAt: integer("lease_expires_at"),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("videos_source_id_key").on(t.sourceId),
    index("videos_ready_idx").on(t.id).where(sql`ready = 1`),
    // Exactly the leased rows (the rows in flight), for the recovery sweep. Heartbeats and
    // completions name their rows and find them by primary key, so there is no index on
    // lease_owner: it would cost every claim one more index write.
    index("videos_lease_expiry_idx").on(t.leaseExpiresAt).where(sql`lease_token IS NOT NULL`),
    index("videos_unleased_stage_idx").on(t.stage, t.updatedAt).where(sql`lease_token IS NULL`),
  ],
);

/** Exactly one result per video: the unique key makes a second one an error, not a duplicate. */
export const analysisResults = sqliteTable(
  "analysis_results",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    videoId: integer("video_id")
      .notNull()
      .references(() => videos.id),
    result: text("result").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("analysis_results_video_id_key").on(t.videoId)],
);

export const paidCallJournal = sqliteTable(
  "paid_call_journal",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    videoId: integer("video_id")
      .notNull()
      .references(() => videos.id),
    provider: text("provider").notNull(),
    model: text("model").notNull(),
    requestHash: text("request_hash").notNull(),
    status: text("status").notNull(),
    response: text("response"),
    error: text("error"),
    startedAt: integer("started_at").notNull(),
    finishedAt: integer("finished_at"),
  },
  (t) => [
    index("paid_call_journal_video_request_idx").on(t.videoId, t.requestHash),
    index("paid_call_journal_started_idx").on(t.id).where(sql`status = 'started'`),
  ],
);

export const workers = sqliteTable("workers", {
  id: text("id").primaryKey(),
  kind: text("kind").notNull().default("worker"),
  host: text("host").notNull(),
  pid: integer("pid").notNull(),
  startedAt: integer("started_at").notNull(),
  lastHeartbeatAt: integer("last_heartbeat_at").notNull(),
  inFlight: integer("in_flight").notNull().default(0),
  drainRequestedAt: integer("drain_requested_at"),
  stoppedAt: integer("stopped_at"),
});

export const locks = sqliteTable("locks", {
  name: text("name").primaryKey(),
  owner: text("owner").notNull(),
  expiresAt: integer("expires_at").notNull(),
});

export const auditEvents = sqliteTable(
  "audit_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    videoId: integer("video_id"),
    event: text("event").notNull(),
    actor: text("actor").notNull(),
    fromStage: text("from_stage"),
    toStage: text("to_stage"),
    detail: text("detail").notNull().default("{}"),
    at: integer("at").notNull(),
  },
  (t) => [index("audit_events_video_idx").on(t.videoId, t.id)],
);
