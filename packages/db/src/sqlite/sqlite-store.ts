import {
  type ClaimedTask,
  ConfigError,
  type JournalEntry,
  LeaseLostError,
  type Logger,
  type RecoveryAction,
  type StageMachine,
  silentLogger,
  type TaskStore,
  type TaskWriter,
  videoStageMachine,
} from "@holdfast/core";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { GroupCommit } from "../group-commit.js";
import { migrationsFolder } from "../migrations-folder.js";
import { Mutex } from "../mutex.js";
import { type Row, rowMappers } from "../row-mappers.js";
import { stageSql } from "../stage-sql.js";

export interface SqliteStoreOptions {
  /** A file path, or ":memory:". */
  path: string;
  machine?: StageMachine;
  logger?: Logger;
  /** How long a writer waits for another process's write lock before failing. */
  busyTimeoutMs?: number;
}

type CompleteParams = Parameters<TaskWriter["taskComplete"]>[0];

const ms = (d: Date) => d.getTime();
const json = (v: unknown) => (typeof v === "string" ? (JSON.parse(v) as Record<string, unknown>) : {});
const map = rowMappers((v) => (v == null ? null : new Date(Number(v))), json);
const toTask = map.task;
const toJournal = map.journal;
const toStuck = map.stuck;

/**
 * TaskStore on SQLite (better-sqlite3). One connection per store; several processes may
 * share one file: WAL lets readers run beside the writer, every write transaction starts
 * with BEGIN IMMEDIATE (so a read-then-write never fails with SQLITE_BUSY_SNAPSHOT) and
 * busy_timeout makes writers queue instead of failing.
 *
 * better-sqlite3 is synchronous; the async API is kept for the port, and a mutex
 * serialises callers so an awaited `transaction()` owns the connection until it commits.
 */
export function createSqliteStore(options: SqliteStoreOptions): TaskStore {
  const machine: StageMachine = options.machine ?? videoStageMachine;
  const logger = options.logger ?? silentLogger;
  const s = stageSql(machine);
  let db: Database.Database;
  try {
    db = new Database(options.path);
  } catch (err) {
    throw new ConfigError(`cannot open SQLite database ${options.path}: ${(err as Error).message}`);
  }
  db.pragma("journal_mode = WAL");
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
  // NORMAL in WAL mode: a power loss may drop the last commits, never corrupt the file.
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  const mutex = new Mutex();
  let closed = false;

  // Statements are prepared lazily (the tables exist only after migrate()) and cached.
  const cache = new Map<string, Database.Statement>();
  const st = (sql: string) => {
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  };
  /** A write transaction taken with BEGIN IMMEDIATE. */
  const immediate = <T>(fn: () => T): T => db.transaction(fn).immediate();

  const audit = (
    taskId: number | null,
    event: string,
    actor: string,
    from: string | null,
    to: string | null,
    detail: Record<string, unknown>,
    now: Date,
  ) =>
    st(
      "INSERT INTO audit_events (video_id, event, actor, from_stage, to_stage, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ).run(taskId, event, actor, from, to, JSON.stringify(detail), ms(now));

  /**
   * One row's completion inside the caller's transaction: the fenced move to the completed
   * stage, its result and its audit event. A lost lease writes nothing and is returned, not
   * thrown, so a group of completions can commit the rows that did hold their lease.
   */
  const completeOne = (p: CompleteParams): LeaseLostError | undefined => {
    const r = st(
      `UPDATE videos SET stage = ${s.completed}, ready = 0, data = COALESCE(?, data), lease_owner = NULL,
         lease_token = NULL, lease_expires_at = NULL, last_error = NULL, updated_at = ?
       WHERE id = ? AND lease_token = ? AND stage = ?`,
    ).run(p.data ? JSON.stringify(p.data) : null, ms(p.now), p.id, p.leaseToken, p.from);
    if (r.changes === 0) return new LeaseLostError(p.id, "complete");
    if (p.result !== undefined) {
      st("INSERT INTO analysis_results (video_id, result, created_at) VALUES (?, ?, ?)").run(
        p.id,
        JSON.stringify(p.result),
        ms(p.now),
      );
    }
    audit(p.id, "completed", "worker", p.from, machine.completed, {}, p.now);
    return undefined;
  };
  // Outside a transaction, completions from concurrent handlers share one IMMEDIATE
  // transaction: one commit (one set of WAL pages) for the group instead of one per row.
  const completions = new GroupCommit<CompleteParams, void>((batch) =>
    mutex.run(() => {
      open();
      return immediate(() => batch.map(completeOne));
    }),
  );

  /** The writes, callable inside or outside a transaction (the caller holds the mutex). */
  const writes = {
    taskAdvance(p: Parameters<TaskWriter["taskAdvance"]>[0]) {
      machine.assertTransition(p.from, p.to);
      const r = st(
        `UPDATE videos SET stage = ?, data = COALESCE(?, data), updated_at = ?
         WHERE id = ? AND lease_token = ? AND stage = ?`,
      ).run(p.to, p.data ? JSON.stringify(p.data) : null, ms(p.now), p.id, p.leaseToken, p.from);
      if (r.changes === 0) throw new LeaseLostError(p.id, `advance ${p.from} → ${p.to}`);
    },
    taskComplete(p: Parameters<TaskWriter["taskComplete"]>[0]) {
      machine.assertTransition(p.from, machine.completed);
      immediate(() => {
        const lost = completeOne(p);
        if (lost) throw lost;
      });
    },
    taskFail(p: Parameters<TaskWriter["taskFail"]>[0]) {
      immediate(() => {
        const before = st("SELECT stage FROM videos WHERE id = ? AND lease_token = ?").get(
          p.id,
          p.leaseToken,
        ) as Row | undefined;
        if (!before) throw new LeaseLostError(p.id, "fail");
        machine.assertTransition(String(before.stage), machine.failed);
        st(
          `UPDATE videos SET stage = ${s.failed}, ready = 0, last_error = ?, lease_owner = NULL, lease_token = NULL,
             lease_expires_at = NULL, updated_at = ? WHERE id = ? AND lease_token = ?`,
        ).run(p.reason, ms(p.now), p.id, p.leaseToken);
        audit(p.id, "failed", "worker", String(before.stage), machine.failed, { reason: p.reason }, p.now);
      });
    },
    taskRelease(p: Parameters<TaskWriter["taskRelease"]>[0]) {
      immediate(() => {
        const before = st("SELECT stage FROM videos WHERE id = ? AND lease_token = ?").get(
          p.id,
          p.leaseToken,
        ) as Row | undefined;
        if (!before) throw new LeaseLostError(p.id, "release");
        st(
          `UPDATE videos SET stage = ${s.releaseTarget("stage")}, ready = ${s.releaseReady("stage", "1", "0")},
             attempts = attempts - ?, last_error = COALESCE(?, last_error), lease_owner = NULL, lease_token = NULL,
             lease_expires_at = NULL, updated_at = ?
           WHERE id = ? AND lease_token = ?`,
        ).run(p.countAttempt ? 0 : 1, p.error ?? null, ms(p.now), p.id, p.leaseToken);
        const from = String(before.stage);
        audit(
          p.id,
          "released",
          "worker",
          from,
          machine.releaseTarget(from),
          { counted: p.countAttempt, ...(p.error ? { error: p.error } : {}) },
          p.now,
        );
      });
    },
    auditAppend(p: Parameters<TaskWriter["auditAppend"]>[0]) {
      audit(p.taskId, p.event, p.actor, p.fromStage ?? null, p.toStage ?? null, p.detail ?? {}, p.now);
    },
    journalStart(p: Parameters<TaskWriter["journalStart"]>[0]): JournalEntry {
      const row = st(
        `INSERT INTO paid_call_journal (video_id, provider, model, request_hash, status, started_at)
         VALUES (?, ?, ?, ?, 'started', ?) RETURNING *`,
      ).get(p.taskId, p.provider, p.model, p.requestHash, ms(p.now)) as Row;
      return toJournal(row);
    },
    journalSucceed(p: { id: number; response: string; now: Date }) {
      const r = st(
        "UPDATE paid_call_journal SET status = 'succeeded', response = ?, finished_at = ? WHERE id = ? AND status = 'started'",
      ).run(p.response, ms(p.now), p.id);
      if (r.changes === 0) throw new ConfigError(`journal entry ${p.id} is not a started call`);
    },
    journalFail(p: { id: number; error: string; now: Date }) {
      const r = st(
        "UPDATE paid_call_journal SET status = 'failed', error = ?, finished_at = ? WHERE id = ? AND status = 'started'",
      ).run(p.error, ms(p.now), p.id);
      if (r.changes === 0) throw new ConfigError(`journal entry ${p.id} is not a started call`);
    },
  };

  /** Async TaskWriter over the sync writes. */
  const writer = (): TaskWriter => ({
    taskAdvance: async (p) => writes.taskAdvance(p),
    taskComplete: async (p) => writes.taskComplete(p),
    taskFail: async (p) => writes.taskFail(p),
    taskRelease: async (p) => writes.taskRelease(p),
    auditAppend: async (p) => writes.auditAppend(p),
    journalStart: async (p) => writes.journalStart(p),
    journalSucceed: async (p) => writes.journalSucceed(p),
    journalFail: async (p) => writes.journalFail(p),
  });
  const locked =
    <A, R>(fn: (a: A) => R) =>
    (a: A) =>
      mutex.run(() => fn(a));
  const open = () => {
    if (closed) throw new ConfigError("the SQLite store is closed");
  };

  const stuckWhere = (legacy: boolean) =>
    `(lease_token IS NOT NULL AND lease_expires_at < @now)` +
    (legacy ? ` OR (lease_token IS NULL AND stage IN ${s.legacyStuck} AND updated_at < @legacyBefore)` : "");
  const stuckKind = `CASE WHEN lease_token IS NOT NULL THEN 'lease_expired' ELSE 'legacy_timeout' END`;

  const store: TaskStore = {
    dialect: "sqlite",
    migrate: () =>
      mutex.run(() => {
        open();
        const run = () => migrate(drizzle(db), { migrationsFolder: migrationsFolder("sqlite") });
        try {
          run();
        } catch (err) {
          // drizzle's migrator reads which migrations ran BEFORE its transaction starts: of two
          // processes migrating a new file at once, the slower one fails (table exists, or a
          // stale snapshot) once the faster one has committed. A second pass sees what the
          // winner applied and does nothing; a migration that is really broken fails again.
          logger.debug(
            { path: options.path, err: (err as Error).message },
            "migrate raced; running it again",
          );
          run();
        }
      }),
    ping: () =>
      mutex.run(() => {
        open();
        st("SELECT 1").get();
      }),
    close: () =>
      mutex.run(() => {
        if (closed) return;
        closed = true;
        db.close();
      }),

    async transaction(fn) {
      return mutex.run(async () => {
        open();
        db.prepare("BEGIN IMMEDIATE").run();
        try {
          const value = await fn(writer());
          db.prepare("COMMIT").run();
          return value;
        } catch (err) {
          if (db.inTransaction) db.prepare("ROLLBACK").run();
          throw err;
        }
      });
    },

    taskAdvance: locked(writes.taskAdvance),
    async taskComplete(p) {
      machine.assertTransition(p.from, machine.completed);
      await completions.submit(p);
    },
    taskFail: locked(writes.taskFail),
    taskRelease: locked(writes.taskRelease),
    auditAppend: locked(writes.auditAppend),
    journalStart: locked(writes.journalStart),
    journalSucceed: locked(writes.journalSucceed),
    journalFail: locked(writes.journalFail),

    taskAdd: locked((p) => {
      const ready = machine.isReady(machine.initial) ? 1 : 0;
      const row = st(
        `INSERT INTO videos (source_id, stage, ready, data, attempts, created_at, updated_at)
         VALUES (?, ?, ?, ?, 0, ?, ?) ON CONFLICT (source_id) DO NOTHING RETURNING id`,
      ).get(p.sourceId, machine.initial, ready, JSON.stringify(p.data), ms(p.now), ms(p.now)) as
        | Row
        | undefined;
      if (row) return { id: Number(row.id), created: true };
      const existing = st("SELECT id FROM videos WHERE source_id = ?").get(p.sourceId) as Row;
      return { id: Number(existing.id), created: false };
    }),
    taskGet: locked((id: number) => {
      const row = st("SELECT * FROM videos WHERE id = ?").get(id) as Row | undefined;
      return row ? toTask(row) : null;
    }),
    taskList: locked((p) => {
      const rows = st(
        `SELECT * FROM videos WHERE (@stage IS NULL OR stage = @stage) AND id > @afterId ORDER BY id LIMIT @limit`,
      ).all({ stage: p.stage ?? null, afterId: p.afterId ?? 0, limit: p.limit ?? 100 }) as Row[];
      return rows.map(toTask);
    }),
    taskCounts: locked((p) => {
      const byStage: Record<string, number> = Object.fromEntries(machine.stages.map((x) => [x, 0]));
      for (const r of st("SELECT stage, count(*) AS n FROM videos GROUP BY stage").all() as Row[]) {
        byStage[String(r.stage)] = Number(r.n);
      }
      const lease = st(
        `SELECT sum(lease_expires_at >= ?) AS live, sum(lease_expires_at < ?) AS expired
         FROM videos WHERE lease_token IS NOT NULL`,
      ).get(ms(p.now), ms(p.now)) as Row;
      return { byStage, inFlight: Number(lease.live ?? 0), leaseExpired: Number(lease.expired ?? 0) };
    }),
    taskCountFailedSince: locked((p) => {
      const r = st(
        `SELECT count(*) AS n FROM videos WHERE lease_token IS NULL AND stage = ${s.failed} AND updated_at >= ?`,
      ).get(ms(p.since)) as Row;
      return Number(r.n);
    }),
    taskResult: locked((id: number) => {
      const r = st("SELECT result FROM analysis_results WHERE video_id = ?").get(id) as Row | undefined;
      return r ? json(r.result) : null;
    }),

    taskClaim: locked((p) => {
      const now = ms(p.now);
      // One statement over the partial index of ready rows; each row gets its own 128-bit
      // random token. IMMEDIATE: the write lock is taken before the read, so a claim never
      // fails on a snapshot another process made stale, it waits (busy_timeout) instead.
      const rows = immediate(
        () =>
          st(
            `UPDATE videos SET ready = 0, lease_owner = ?, lease_token = lower(hex(randomblob(16))),
               lease_expires_at = ?, attempts = attempts + 1, updated_at = ?
             WHERE id IN (SELECT id FROM videos WHERE ready = 1 ORDER BY id LIMIT ?) RETURNING *`,
          ).all(p.owner, now + p.leaseTtlMs, now, p.limit) as Row[],
      );
      // RETURNING has no defined order.
      return rows.map((r) => toTask(r) as ClaimedTask).sort((a, b) => a.id - b.id);
    }),
    taskExtendLeases: locked((p) => {
      if (p.leases.length === 0) return [];
      // Primary-key lookups of the worker's own rows; a token that changed does not match.
      const rows = st(
        `UPDATE videos SET lease_expires_at = ?
         WHERE id IN (SELECT value FROM json_each(?)) AND lease_token IN (SELECT value FROM json_each(?))
           AND lease_owner = ?
         RETURNING id, lease_token`,
      ).all(
        ms(p.now) + p.leaseTtlMs,
        JSON.stringify(p.leases.map((l) => l.id)),
        JSON.stringify(p.leases.map((l) => l.leaseToken)),
        p.owner,
      ) as Row[];
      return rows.map((r) => ({ id: Number(r.id), leaseToken: String(r.lease_token) }));
    }),

    taskFindStuck: locked((p) => {
      const legacy = p.legacyUpdatedBefore !== undefined;
      const rows = st(
        `SELECT *, ${stuckKind} AS kind FROM videos WHERE ${stuckWhere(legacy)} LIMIT @limit`,
      ).all({
        now: ms(p.now),
        ...(legacy ? { legacyBefore: ms(p.legacyUpdatedBefore as Date) } : {}),
        limit: p.limit ?? -1,
      }) as Row[];
      // No ORDER BY in SQL: it would tempt the planner to walk the primary key over every
      // finished row; the two partial indexes (MULTI-INDEX OR) find the stuck ones directly.
      return rows.map(toStuck).sort((a, b) => a.id - b.id);
    }),
    taskRecoverStuck: locked((p) => {
      const legacy = p.legacyUpdatedBefore !== undefined;
      const now = ms(p.now);
      // One IMMEDIATE transaction re-reads and changes the rows: a second recovery waits
      // for the write lock and then finds them no longer stuck.
      return immediate(() => {
        const rows = st(
          `SELECT *, ${stuckKind} AS kind FROM videos WHERE ${stuckWhere(legacy)} LIMIT @limit`,
        ).all({
          now,
          ...(legacy ? { legacyBefore: ms(p.legacyUpdatedBefore as Date) } : {}),
          limit: p.limit ?? -1,
        }) as Row[];
        const fail = st(
          `UPDATE videos SET stage = ${s.failed}, ready = 0, last_error = ?, lease_owner = NULL, lease_token = NULL,
             lease_expires_at = NULL, updated_at = ? WHERE id = ?`,
        );
        const release = st(
          `UPDATE videos SET stage = ${s.releaseTarget("stage")}, ready = ${s.releaseReady("stage", "1", "0")},
             lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = ?`,
        );
        const actions: RecoveryAction[] = [];
        for (const r of rows) {
          const row = toStuck(r);
          const failed = row.attempts >= p.maxAttempts;
          const toStage = failed ? machine.failed : machine.releaseTarget(row.stage);
          const why =
            row.kind === "lease_expired"
              ? `lease of ${row.leaseOwner ?? "?"} expired`
              : "legacy: in processing with no lease past the timeout";
          if (failed) fail.run(`${why}; gave up after ${row.attempts} attempts`, now, row.id);
          else release.run(now, row.id);
          audit(
            row.id,
            failed ? "recovered_failed" : "recovered",
            p.actor,
            row.stage,
            toStage,
            { kind: row.kind, attempts: row.attempts, leaseOwner: row.leaseOwner },
            p.now,
          );
          actions.push({
            id: row.id,
            sourceId: row.sourceId,
            kind: row.kind,
            fromStage: row.stage,
            toStage,
            action: failed ? "failed" : "released",
            attempts: row.attempts,
          });
        }
        return actions.sort((a, b) => a.id - b.id);
      });
    }),

    auditList: locked((p) => {
      const rows = st(
        `SELECT * FROM audit_events WHERE (@taskId IS NULL OR video_id = @taskId) ORDER BY id LIMIT @limit`,
      ).all({ taskId: p.taskId ?? null, limit: p.limit ?? 1000 }) as Row[];
      return rows.map(map.audit);
    }),

    journalFindSucceeded: locked((p) => {
      const r = st(
        `SELECT * FROM paid_call_journal WHERE video_id = ? AND request_hash = ? AND status = 'succeeded'
         ORDER BY id DESC LIMIT 1`,
      ).get(p.taskId, p.requestHash) as Row | undefined;
      return r ? toJournal(r) : null;
    }),
    journalList: locked((p) => {
      const rows = st(
        `SELECT * FROM paid_call_journal WHERE (@taskId IS NULL OR video_id = @taskId)
           AND (@status IS NULL OR status = @status) ORDER BY id LIMIT @limit`,
      ).all({ taskId: p.taskId ?? null, status: p.status ?? null, limit: p.limit ?? 1000 }) as Row[];
      return rows.map(toJournal);
    }),
    journalCountPossiblyCharged: () =>
      mutex.run(() => {
        const r = st("SELECT count(*) AS n FROM paid_call_journal WHERE status = 'started'").get() as Row;
        return Number(r.n);
      }),

    workerRegister: locked((p) => {
      st(
        `INSERT INTO workers (id, kind, host, pid, started_at, last_heartbeat_at, in_flight)
         VALUES (?, ?, ?, ?, ?, ?, 0)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, host = excluded.host, pid = excluded.pid,
           started_at = excluded.started_at, last_heartbeat_at = excluded.last_heartbeat_at, in_flight = 0,
           drain_requested_at = NULL, stopped_at = NULL`,
      ).run(p.id, p.kind ?? "worker", p.host, p.pid, ms(p.now), ms(p.now));
    }),
    workerHeartbeat: locked((p) => {
      const r = st(
        `UPDATE workers SET last_heartbeat_at = ?, in_flight = ? WHERE id = ? RETURNING drain_requested_at`,
      ).get(ms(p.now), p.inFlight, p.id) as Row | undefined;
      return { drainRequested: r?.drain_requested_at != null };
    }),
    workerStopped: locked((p) => {
      st("UPDATE workers SET stopped_at = ?, in_flight = 0 WHERE id = ?").run(ms(p.now), p.id);
    }),
    workerList: locked((p) => {
      const rows = st(
        `SELECT * FROM workers WHERE (@all = 1 OR stopped_at IS NULL) ORDER BY started_at, id`,
      ).all({ all: p.includeStopped ? 1 : 0 }) as Row[];
      return rows.map(map.worker);
    }),
    workerRequestDrain: locked((p) => {
      return st(
        "UPDATE workers SET drain_requested_at = ? WHERE stopped_at IS NULL AND drain_requested_at IS NULL",
      ).run(ms(p.now)).changes;
    }),

    lockAcquire: locked((p) => {
      const r = st(
        `INSERT INTO locks (name, owner, expires_at) VALUES (@name, @owner, @expires)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE locks.owner = excluded.owner OR locks.expires_at <= @now
         RETURNING owner`,
      ).get({ name: p.name, owner: p.owner, expires: ms(p.now) + p.ttlMs, now: ms(p.now) }) as
        | Row
        | undefined;
      return r !== undefined;
    }),
    lockRelease: locked((p) => {
      st("DELETE FROM locks WHERE name = ? AND owner = ?").run(p.name, p.owner);
    }),
    lockGet: locked((name: string) => {
      const r = st("SELECT * FROM locks WHERE name = ?").get(name) as Row | undefined;
      return r
        ? { name: String(r.name), owner: String(r.owner), expiresAt: new Date(Number(r.expires_at)) }
        : null;
    }),
  };
  logger.debug({ path: options.path }, "sqlite store opened");
  return store;
}
