import {
  type ClaimedTask,
  ConfigError,
  LeaseLostError,
  type Logger,
  type RecoveryAction,
  type StageMachine,
  silentLogger,
  type TaskStore,
  type TaskWriter,
  videoStageMachine,
} from "@holdfast/core";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { GroupCommit } from "../group-commit.js";
import { migrationsFolder } from "../migrations-folder.js";
import { redactUrl } from "../redact-url.js";
import { type Row, rowMappers } from "../row-mappers.js";
import { stageSql } from "../stage-sql.js";

export interface PostgresStoreOptions {
  url: string;
  machine?: StageMachine;
  logger?: Logger;
  /**
   * Put every table (and the migrations table) in this schema, created if missing, through
   * search_path on each pooled connection. Lets tests and tenants share one database.
   */
  schema?: string;
  /** Pool size. Claims, heartbeats and completions of one worker process share it. */
  maxConnections?: number;
}

type Exec = Pick<pg.Pool, "query"> | pg.PoolClient;

const map = rowMappers(
  (v) => (v == null ? null : (v as Date)),
  (v) => (v as Record<string, unknown> | null) ?? {},
);
const toTask = map.task;
const toJournal = map.journal;
const toStuck = map.stuck;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * CREATE SCHEMA IF NOT EXISTS is not safe against itself: two processes opening a new
 * schema at once can both pass the check, and one fails on the catalog's unique key.
 * Either way the schema exists afterwards, which is all the caller wants.
 */
async function createSchema(client: pg.PoolClient, schema: string): Promise<void> {
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== "23505" && code !== "42P06") throw err;
  }
}

/**
 * TaskStore on PostgreSQL (pg). Claims are one statement with FOR UPDATE SKIP LOCKED over
 * a partial index of claimable rows, so many workers on many hosts claim without waiting
 * on each other and without scanning finished rows. Multi-step writes (complete, recover)
 * are single statements with data-modifying CTEs: one round trip, atomic by construction.
 * Named prepared statements keep the parse/plan cost off the hot path.
 */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<TaskStore> {
  const machine: StageMachine = options.machine ?? videoStageMachine;
  const logger = options.logger ?? silentLogger;
  const s = stageSql(machine);
  const where = redactUrl(options.url);
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new ConfigError(`postgres schema name must match ${SCHEMA_NAME}, got "${options.schema}"`);
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: 10_000,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // An idle client that loses its connection (server restart) emits 'error' on the pool;
  // without a listener that would crash the process. The next query reconnects.
  pool.on("error", (err) => logger.warn({ db: where, err: err.message }, "idle postgres connection lost"));
  try {
    const client = await pool.connect();
    try {
      if (options.schema) await createSchema(client, options.schema);
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end().catch(() => {});
    const msg = (err as Error).message.replaceAll(options.url, where);
    throw new ConfigError(`cannot connect to PostgreSQL at ${where}: ${msg}`);
  }

  let seq = 0;
  /** A named prepared statement: parsed and planned once per connection. */
  const prepared = (text: string) => {
    const name = `hf_${++seq}`;
    return (exec: Exec, values: unknown[]) => exec.query<Row>({ name, text, values });
  };

  const auditSql = prepared(
    `INSERT INTO audit_events (video_id, event, actor, from_stage, to_stage, detail, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
  );
  const advanceSql = prepared(
    `UPDATE videos SET stage = $1, data = COALESCE($2::jsonb, data), updated_at = $3
     WHERE id = $4 AND lease_token = $5 AND stage = $6`,
  );
  const completeSql = prepared(
    `WITH done AS (
       UPDATE videos SET stage = ${s.completed}, ready = false, data = COALESCE($1::jsonb, data),
         lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, last_error = NULL, updated_at = $2
       WHERE id = $3 AND lease_token = $4 AND stage = $5
       RETURNING id
     ), result AS (
       INSERT INTO analysis_results (video_id, result, created_at) SELECT id, $6::jsonb, $2 FROM done
       WHERE $6::jsonb IS NOT NULL
     ), audit AS (
       INSERT INTO audit_events (video_id, event, actor, from_stage, to_stage, detail, at)
       SELECT id, 'completed', 'worker', $5, ${s.completed}, '{}'::jsonb, $2 FROM done
     )
     SELECT count(*)::int AS n FROM done`,
  );
  // The same write as completeSql for many rows at once (group commit, see GroupCommit):
  // each row is fenced on its own; the ids that come back are the rows that were completed.
  // The batch travels as one JSON document ($2): JSON.stringify is native, where six arrays
  // would be escaped element by element by the driver. `id = ANY($1)` makes the update a
  // primary-key lookup of exactly these rows whatever the statistics say (joined on the
  // token alone, the planner may walk the index of every leased row of the fleet).
  const completeManySql = prepared(
    `WITH input AS (
       SELECT * FROM jsonb_to_recordset($2::jsonb)
         AS t(id int, token text, from_stage text, data jsonb, result jsonb, at timestamptz)
     ), done AS (
       UPDATE videos v SET stage = ${s.completed}, ready = false, data = COALESCE(input.data, v.data),
         lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, last_error = NULL, updated_at = input.at
       FROM input WHERE v.id = ANY($1::int[]) AND v.id = input.id
         AND coalesce(v.lease_token, '') = input.token AND v.stage = input.from_stage
       RETURNING v.id, input.result, input.from_stage, input.at
     ), result AS (
       INSERT INTO analysis_results (video_id, result, created_at) SELECT id, result, at FROM done
       WHERE result IS NOT NULL
     ), audit AS (
       INSERT INTO audit_events (video_id, event, actor, from_stage, to_stage, detail, at)
       SELECT id, 'completed', 'worker', from_stage, ${s.completed}, '{}'::jsonb, at FROM done
     )
     SELECT coalesce(json_agg(id), '[]') AS ids FROM done`,
  );
  const failSql = prepared(
    `WITH before AS (
       SELECT id, stage FROM videos WHERE id = $1 AND lease_token = $2 AND stage IN ${s.canFail} FOR UPDATE
     ), done AS (
       UPDATE videos v SET stage = ${s.failed}, ready = false, last_error = $3, lease_owner = NULL,
         lease_token = NULL, lease_expires_at = NULL, updated_at = $4
       FROM before WHERE v.id = before.id RETURNING v.id, before.stage AS from_stage
     ), audit AS (
       INSERT INTO audit_events (video_id, event, actor, from_stage, to_stage, detail, at)
       SELECT id, 'failed', 'worker', from_stage, ${s.failed}, jsonb_build_object('reason', $3::text), $4 FROM done
     )
     SELECT count(*)::int AS n FROM done`,
  );
  const releaseSql = prepared(
    `WITH before AS (
       SELECT id, stage FROM videos WHERE id = $1 AND lease_token = $2 FOR UPDATE
     ), done AS (
       UPDATE videos v SET stage = ${s.releaseTarget("before.stage")},
         ready = ${s.releaseReady("before.stage", "true", "false")},
         attempts = v.attempts - $3, last_error = COALESCE($4, v.last_error), lease_owner = NULL,
         lease_token = NULL, lease_expires_at = NULL, updated_at = $5
       FROM before WHERE v.id = before.id RETURNING v.id, before.stage AS from_stage, v.stage AS to_stage
     ), audit AS (
       INSERT INTO audit_events (video_id, event, actor, from_stage, to_stage, detail, at)
       SELECT id, 'released', 'worker', from_stage, to_stage,
         jsonb_strip_nulls(jsonb_build_object('counted', $3 = 0, 'error', $4::text)), $5 FROM done
     )
     SELECT count(*)::int AS n FROM done`,
  );
  const journalStartSql = prepared(
    `INSERT INTO paid_call_journal (video_id, provider, model, request_hash, status, started_at)
     VALUES ($1, $2, $3, $4, 'started', $5) RETURNING *`,
  );
  const journalFinishSql = prepared(
    `UPDATE paid_call_journal SET status = $1, response = $2, error = $3, finished_at = $4
     WHERE id = $5 AND status = 'started'`,
  );

  const writer = (exec: Exec): TaskWriter => ({
    async taskAdvance(p) {
      machine.assertTransition(p.from, p.to);
      const r = await advanceSql(exec, [
        p.to,
        p.data ? JSON.stringify(p.data) : null,
        p.now,
        p.id,
        p.leaseToken,
        p.from,
      ]);
      if (r.rowCount === 0) throw new LeaseLostError(p.id, `advance ${p.from} → ${p.to}`);
    },
    async taskComplete(p) {
      machine.assertTransition(p.from, machine.completed);
      const r = await completeSql(exec, [
        p.data ? JSON.stringify(p.data) : null,
        p.now,
        p.id,
        p.leaseToken,
        p.from,
        p.result === undefined ? null : JSON.stringify(p.result),
      ]);
      if (r.rows[0]?.n !== 1) throw new LeaseLostError(p.id, "complete");
    },
    async taskFail(p) {
      const r = await failSql(exec, [p.id, p.leaseToken, p.reason, p.now]);
      if (r.rows[0]?.n !== 1) {
        // Nothing changed: the lease is gone, or the row is held in a stage that may not fail.
        const held = await exec.query<Row>("SELECT stage FROM videos WHERE id = $1 AND lease_token = $2", [
          p.id,
          p.leaseToken,
        ]);
        if (held.rows[0]) machine.assertTransition(String(held.rows[0].stage), machine.failed);
        throw new LeaseLostError(p.id, "fail");
      }
    },
    async taskRelease(p) {
      const r = await releaseSql(exec, [p.id, p.leaseToken, p.countAttempt ? 0 : 1, p.error ?? null, p.now]);
      if (r.rows[0]?.n !== 1) throw new LeaseLostError(p.id, "release");
    },
    async auditAppend(p) {
      await auditSql(exec, [
        p.taskId,
        p.event,
        p.actor,
        p.fromStage ?? null,
        p.toStage ?? null,
        JSON.stringify(p.detail ?? {}),
        p.now,
      ]);
    },
    async journalStart(p) {
      const r = await journalStartSql(exec, [p.taskId, p.provider, p.model, p.requestHash, p.now]);
      return toJournal(r.rows[0] as Row);
    },
    async journalSucceed(p) {
      const r = await journalFinishSql(exec, ["succeeded", p.response, null, p.now, p.id]);
      if (r.rowCount === 0) throw new ConfigError(`journal entry ${p.id} is not a started call`);
    },
    async journalFail(p) {
      const r = await journalFinishSql(exec, ["failed", null, p.error, p.now, p.id]);
      if (r.rowCount === 0) throw new ConfigError(`journal entry ${p.id} is not a started call`);
    },
  });

  type CompleteInput = Parameters<TaskWriter["taskComplete"]>[0];
  const completions = new GroupCommit<CompleteInput, void>(async (batch) => {
    const rows = batch.map((c) => ({
      id: c.id,
      token: c.leaseToken,
      from_stage: c.from,
      data: c.data ?? null,
      result: c.result ?? null,
      at: c.now.toISOString(),
    }));
    const r = await completeManySql(pool, [batch.map((c) => c.id), JSON.stringify(rows)]);
    const done = new Set((r.rows[0]?.ids ?? []) as number[]);
    return batch.map((c) => (done.has(c.id) ? undefined : new LeaseLostError(c.id, "complete")));
  });

  // The ids come from the partial index of ready rows (locked, SKIP LOCKED); `= ANY(ARRAY(…))`
  // then makes the update a primary-key lookup of exactly those rows. Written as a join with
  // a CTE instead, the planner may hash-join against a sequential scan of the whole table
  // when its estimates say the table is small. It returns only what the worker does not
  // know already (owner, expiry and update time are its own parameters), as one JSON
  // document in id order: one native JSON.parse instead of the driver parsing each value of
  // each row (a third of a worker's CPU per task went there).
  const claimSql = prepared(
    `WITH claimed AS (
       UPDATE videos SET ready = false, lease_owner = $2, lease_token = gen_random_uuid()::text,
         lease_expires_at = $3, attempts = attempts + 1, updated_at = $4
       WHERE id = ANY(ARRAY(SELECT id FROM videos WHERE ready ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED))
       RETURNING id, source_id, stage, data, attempts, lease_token, last_error, created_at
     )
     SELECT coalesce(json_agg(json_build_array(id, source_id, stage, data, attempts, lease_token,
       last_error, floor(extract(epoch FROM created_at) * 1000)) ORDER BY id), '[]') AS rows
     FROM claimed`,
  );
  // Primary-key lookups of the worker's own rows; a token that changed does not match.
  // `coalesce` keeps the planner off the partial index of leased rows: `lease_token = ANY`
  // would imply its predicate, and with statistics from before the rows were leased it
  // walks every lease of the fleet (10 ms for 100,000 leased rows, against 0.8 ms by key).
  const extendSql = prepared(
    `UPDATE videos SET lease_expires_at = $1
     WHERE id = ANY($3::int[]) AND coalesce(lease_token, '') = ANY($4::text[]) AND lease_owner = $2
     RETURNING id, lease_token`,
  );
  /** $1 is now; `legacyParam` the legacy cut-off, present only in the legacy variant. */
  const stuckWhere = (legacyParam: string | null) =>
    `((lease_token IS NOT NULL AND lease_expires_at < $1)` +
    (legacyParam
      ? ` OR (lease_token IS NULL AND stage IN ${s.legacyStuck} AND updated_at < ${legacyParam})`
      : "") +
    ")";
  const stuckKind = `CASE WHEN lease_token IS NOT NULL THEN 'lease_expired' ELSE 'legacy_timeout' END`;
  const findStuckSql = [false, true].map((legacy) =>
    prepared(`SELECT *, ${stuckKind} AS kind FROM videos WHERE ${stuckWhere(legacy ? "$3" : null)} LIMIT $2`),
  );
  // SKIP LOCKED: a row another recovery is changing right now is skipped, and when that
  // recovery commits the row no longer matches — so racing recoveries change each row once.
  const recoverSql = [false, true].map((legacy) =>
    prepared(
      `WITH stuck AS (
         SELECT id, source_id, stage, attempts, lease_owner, ${stuckKind} AS kind FROM videos
         WHERE ${stuckWhere(legacy ? "$5" : null)} LIMIT $2 FOR UPDATE SKIP LOCKED
       ), done AS (
         UPDATE videos v SET
           stage = CASE WHEN stuck.attempts >= $3 THEN ${s.failed} ELSE ${s.releaseTarget("stuck.stage")} END,
           ready = CASE WHEN stuck.attempts >= $3 THEN false ELSE ${s.releaseReady("stuck.stage", "true", "false")} END,
           last_error = CASE WHEN stuck.attempts >= $3
             THEN (CASE WHEN stuck.kind = 'lease_expired' THEN 'lease of ' || coalesce(stuck.lease_owner, '?') || ' expired'
                   ELSE 'legacy: in processing with no lease past the timeout' END)
                  || '; gave up after ' || stuck.attempts || ' attempts'
             ELSE v.last_error END,
           lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, updated_at = $1
         FROM stuck WHERE v.id = stuck.id
         RETURNING v.id, stuck.source_id, stuck.kind, stuck.stage AS from_stage, v.stage AS to_stage,
           stuck.attempts, stuck.lease_owner
       ), audit AS (
         INSERT INTO audit_events (video_id, event, actor, from_stage, to_stage, detail, at)
         SELECT id, CASE WHEN attempts >= $3 THEN 'recovered_failed' ELSE 'recovered' END, $4, from_stage, to_stage,
           jsonb_build_object('kind', kind, 'attempts', attempts, 'leaseOwner', lease_owner), $1
         FROM done
       )
       SELECT * FROM done ORDER BY id`,
    ),
  );

  const store: TaskStore = {
    dialect: "postgres",
    ...writer(pool),
    // Outside a transaction, completions from concurrent handlers are group-committed.
    async taskComplete(p) {
      machine.assertTransition(p.from, machine.completed);
      await completions.submit(p);
    },
    async migrate() {
      // drizzle's migrator reads which migrations ran BEFORE its transaction starts, so two
      // processes migrating a new database at once would both apply 0000 and one would fail
      // (every worker of a first deploy calls migrate). A session advisory lock per schema
      // makes them take turns; whoever comes second finds everything applied.
      const client = await pool.connect();
      const key = `hashtext('holdfast.migrate.' || current_schema())`;
      try {
        await client.query(`SELECT pg_advisory_lock(${key})`);
        await migrate(drizzle(client), {
          migrationsFolder: migrationsFolder("pg"),
          ...(options.schema ? { migrationsSchema: options.schema } : {}),
        });
        await client.query(`SELECT pg_advisory_unlock(${key})`);
        client.release();
      } catch (err) {
        // Closing the connection drops the lock with it, whatever state the session is in.
        client.release(err as Error);
        throw err;
      }
    },
    async ping() {
      await pool.query("SELECT 1");
    },
    async close() {
      if (pool.ended || pool.ending) return;
      await pool.end();
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const value = await fn(writer(client));
        await client.query("COMMIT");
        return value;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },

    async taskAdd(p) {
      const r = await pool.query<Row>(
        `INSERT INTO videos (source_id, stage, ready, data, attempts, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 0, $5, $5) ON CONFLICT (source_id) DO NOTHING RETURNING id`,
        [p.sourceId, machine.initial, machine.isReady(machine.initial), JSON.stringify(p.data), p.now],
      );
      if (r.rows[0]) return { id: Number(r.rows[0].id), created: true };
      const existing = await pool.query<Row>("SELECT id FROM videos WHERE source_id = $1", [p.sourceId]);
      return { id: Number(existing.rows[0]?.id), created: false };
    },
    async taskGet(id) {
      const r = await pool.query<Row>("SELECT * FROM videos WHERE id = $1", [id]);
      return r.rows[0] ? toTask(r.rows[0]) : null;
    },
    async taskList(p) {
      const r = await pool.query<Row>(
        "SELECT * FROM videos WHERE ($1::text IS NULL OR stage = $1) AND id > $2 ORDER BY id LIMIT $3",
        [p.stage ?? null, p.afterId ?? 0, p.limit ?? 100],
      );
      return r.rows.map(toTask);
    },
    async taskCounts(p) {
      const byStage: Record<string, number> = Object.fromEntries(machine.stages.map((x) => [x, 0]));
      const stages = await pool.query<Row>("SELECT stage, count(*)::int AS n FROM videos GROUP BY stage");
      for (const r of stages.rows) byStage[String(r.stage)] = Number(r.n);
      const lease = await pool.query<Row>(
        `SELECT count(*) FILTER (WHERE lease_expires_at >= $1)::int AS live,
                count(*) FILTER (WHERE lease_expires_at < $1)::int AS expired
         FROM videos WHERE lease_token IS NOT NULL`,
        [p.now],
      );
      return {
        byStage,
        inFlight: Number(lease.rows[0]?.live ?? 0),
        leaseExpired: Number(lease.rows[0]?.expired ?? 0),
      };
    },
    async taskCountFailedSince(p) {
      const r = await pool.query<Row>(
        `SELECT count(*)::int AS n FROM videos WHERE lease_token IS NULL AND stage = ${s.failed} AND updated_at >= $1`,
        [p.since],
      );
      return Number(r.rows[0]?.n ?? 0);
    },
    async taskResult(id) {
      const r = await pool.query<Row>("SELECT result FROM analysis_results WHERE video_id = $1", [id]);
      return (r.rows[0]?.result as Record<string, unknown> | undefined) ?? null;
    },

    async taskClaim(p) {
      const expires = p.now.getTime() + p.leaseTtlMs;
      const r = await claimSql(pool, [p.limit, p.owner, new Date(expires), p.now]);
      type Claimed = [
        number,
        string,
        string,
        Record<string, unknown> | null,
        number,
        string,
        string | null,
        number,
      ];
      return ((r.rows[0]?.rows ?? []) as Claimed[]).map(
        ([id, sourceId, stage, data, attempts, leaseToken, lastError, createdMs]): ClaimedTask => ({
          id,
          sourceId,
          stage,
          data: data ?? {},
          attempts,
          leaseOwner: p.owner,
          leaseToken,
          leaseExpiresAt: new Date(expires),
          lastError,
          createdAt: new Date(createdMs),
          updatedAt: new Date(p.now.getTime()),
        }),
      );
    },
    async taskExtendLeases(p) {
      if (p.leases.length === 0) return [];
      const r = await extendSql(pool, [
        new Date(p.now.getTime() + p.leaseTtlMs),
        p.owner,
        p.leases.map((l) => l.id),
        p.leases.map((l) => l.leaseToken),
      ]);
      return r.rows.map((row) => ({ id: Number(row.id), leaseToken: String(row.lease_token) }));
    },
    async taskFindStuck(p) {
      const legacy = p.legacyUpdatedBefore !== undefined;
      const r = await (findStuckSql[legacy ? 1 : 0] as ReturnType<typeof prepared>)(pool, [
        p.now,
        p.limit ?? null,
        ...(legacy ? [p.legacyUpdatedBefore] : []),
      ]);
      // No ORDER BY in SQL: with a LIMIT it would tempt the planner to walk the primary key
      // over every finished row; the BitmapOr of the two partial indexes finds the stuck ones.
      return r.rows.map(toStuck).sort((a, b) => a.id - b.id);
    },
    async taskRecoverStuck(p) {
      const legacy = p.legacyUpdatedBefore !== undefined;
      const r = await (recoverSql[legacy ? 1 : 0] as ReturnType<typeof prepared>)(pool, [
        p.now,
        p.limit ?? null,
        p.maxAttempts,
        p.actor,
        ...(legacy ? [p.legacyUpdatedBefore] : []),
      ]);
      return r.rows.map(
        (row): RecoveryAction => ({
          id: Number(row.id),
          sourceId: String(row.source_id),
          kind: row.kind as RecoveryAction["kind"],
          fromStage: String(row.from_stage),
          toStage: String(row.to_stage),
          action: String(row.to_stage) === machine.failed ? "failed" : "released",
          attempts: Number(row.attempts),
        }),
      );
    },

    async auditList(p) {
      const r = await pool.query<Row>(
        "SELECT * FROM audit_events WHERE ($1::int IS NULL OR video_id = $1) ORDER BY id LIMIT $2",
        [p.taskId ?? null, p.limit ?? 1000],
      );
      return r.rows.map(map.audit);
    },
    async journalFindSucceeded(p) {
      const r = await pool.query<Row>(
        `SELECT * FROM paid_call_journal WHERE video_id = $1 AND request_hash = $2 AND status = 'succeeded'
         ORDER BY id DESC LIMIT 1`,
        [p.taskId, p.requestHash],
      );
      return r.rows[0] ? toJournal(r.rows[0]) : null;
    },
    async journalList(p) {
      const r = await pool.query<Row>(
        `SELECT * FROM paid_call_journal WHERE ($1::int IS NULL OR video_id = $1)
           AND ($2::text IS NULL OR status = $2) ORDER BY id LIMIT $3`,
        [p.taskId ?? null, p.status ?? null, p.limit ?? 1000],
      );
      return r.rows.map(toJournal);
    },
    async journalCountPossiblyCharged() {
      const r = await pool.query<Row>(
        "SELECT count(*)::int AS n FROM paid_call_journal WHERE status = 'started'",
      );
      return Number(r.rows[0]?.n ?? 0);
    },

    async workerRegister(p) {
      await pool.query(
        `INSERT INTO workers (id, kind, host, pid, started_at, last_heartbeat_at, in_flight)
         VALUES ($1, $2, $3, $4, $5, $5, 0)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, host = excluded.host, pid = excluded.pid,
           started_at = excluded.started_at, last_heartbeat_at = excluded.last_heartbeat_at, in_flight = 0,
           drain_requested_at = NULL, stopped_at = NULL`,
        [p.id, p.kind ?? "worker", p.host, p.pid, p.now],
      );
    },
    async workerHeartbeat(p) {
      const r = await pool.query<Row>(
        "UPDATE workers SET last_heartbeat_at = $1, in_flight = $2 WHERE id = $3 RETURNING drain_requested_at",
        [p.now, p.inFlight, p.id],
      );
      return { drainRequested: r.rows[0]?.drain_requested_at != null };
    },
    async workerStopped(p) {
      await pool.query("UPDATE workers SET stopped_at = $1, in_flight = 0 WHERE id = $2", [p.now, p.id]);
    },
    async workerList(p) {
      const r = await pool.query<Row>(
        "SELECT * FROM workers WHERE ($1 OR stopped_at IS NULL) ORDER BY started_at, id",
        [p.includeStopped ?? false],
      );
      return r.rows.map(map.worker);
    },
    async workerRequestDrain(p) {
      const r = await pool.query(
        "UPDATE workers SET drain_requested_at = $1 WHERE stopped_at IS NULL AND drain_requested_at IS NULL",
        [p.now],
      );
      return r.rowCount ?? 0;
    },

    async lockAcquire(p) {
      const r = await pool.query(
        `INSERT INTO locks (name, owner, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE locks.owner = excluded.owner OR locks.expires_at <= $4
         RETURNING owner`,
        [p.name, p.owner, new Date(p.now.getTime() + p.ttlMs), p.now],
      );
      return (r.rowCount ?? 0) > 0;
    },
    async lockRelease(p) {
      await pool.query("DELETE FROM locks WHERE name = $1 AND owner = $2", [p.name, p.owner]);
    },
    async lockGet(name) {
      const r = await pool.query<Row>("SELECT * FROM locks WHERE name = $1", [name]);
      const row = r.rows[0];
      return row
        ? { name: String(row.name), owner: String(row.owner), expiresAt: row.expires_at as Date }
        : null;
    },
  };
  return store;
}
