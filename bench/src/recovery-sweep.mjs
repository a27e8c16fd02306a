// Recovery sweep on a table of 1,000,000 rows with 1% stuck (expired leases; a second run in
// legacy mode adds the seed's unleased-processing scan), on Postgres and SQLite: time of
// core's recover(), and the plan showing the partial indexes are used.
// Run: pnpm --filter @holdfast/bench bench:recovery   (HF_ROWS to change the size)
import { recover, videoStageMachine } from "@holdfast/core";
import Database from "better-sqlite3";
import pg from "pg";
import { freshDatabase, machineInfo, summary, writeResult } from "./common.mjs";

const ROWS = Number(process.env.HF_ROWS ?? 1_000_000);
const REPEATS = Number(process.env.HF_REPEATS ?? 3);
const HOUR = 3_600_000;
const now = new Date("2026-06-01T12:00:00Z");

// The rows: 99% finished; every 100th row in processing, leased to a dead worker whose
// lease expired an hour ago.
const PG_LOAD = `
  INSERT INTO videos (source_id, stage, ready, data, attempts, lease_owner, lease_token, lease_expires_at, created_at, updated_at)
  SELECT 's' || g,
         CASE WHEN g % 100 = 0 THEN 'processing' ELSE 'video_analysis_completed' END,
         false, '{}', 1,
         CASE WHEN g % 100 = 0 THEN 'dead-worker' END,
         CASE WHEN g % 100 = 0 THEN md5(g::text) END,
         CASE WHEN g % 100 = 0 THEN $1::timestamptz - interval '1 hour' END,
         $1::timestamptz - interval '2 days', $1::timestamptz - interval '2 hours'
  FROM generate_series(1, ${ROWS}) g`;
const PG_RESTICK = `UPDATE videos SET stage = 'processing', lease_owner = 'dead-worker', lease_token = md5(id::text),
  lease_expires_at = $1::timestamptz - interval '1 hour', ready = false, attempts = 1 WHERE id % 100 = 0`;
const SQLITE_LOAD = `
  WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${ROWS})
  INSERT INTO videos (source_id, stage, ready, data, attempts, lease_owner, lease_token, lease_expires_at, created_at, updated_at)
  SELECT 's' || n,
         CASE WHEN n % 100 = 0 THEN 'processing' ELSE 'video_analysis_completed' END,
         0, '{}', 1,
         CASE WHEN n % 100 = 0 THEN 'dead-worker' END,
         CASE WHEN n % 100 = 0 THEN hex(n) END,
         CASE WHEN n % 100 = 0 THEN @now - ${HOUR} END,
         @now - ${48 * HOUR}, @now - ${2 * HOUR}
  FROM g`;
const SQLITE_RESTICK = `UPDATE videos SET stage = 'processing', lease_owner = 'dead-worker', lease_token = hex(id),
  lease_expires_at = @now - ${HOUR}, ready = 0, attempts = 1 WHERE id % 100 = 0`;
// A backlog for the claim plan: every 1000th row (never a stuck one) is ready again.
const READY =
  "UPDATE videos SET stage = 'pending', ready = %TRUE%, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL WHERE id % 1000 = 1";
// The claim statement as the stores run it (Postgres; SQLite below).
const PG_CLAIM = `UPDATE videos SET ready = false, lease_owner = 'bench', lease_token = gen_random_uuid()::text,
  lease_expires_at = $1, attempts = attempts + 1, updated_at = $1
  WHERE id = ANY(ARRAY(SELECT id FROM videos WHERE ready ORDER BY id LIMIT 10 FOR UPDATE SKIP LOCKED)) RETURNING *`;
const SQLITE_CLAIM = `UPDATE videos SET ready = 0, lease_owner = 'bench', lease_token = lower(hex(randomblob(16))),
  lease_expires_at = @now, attempts = attempts + 1, updated_at = @now
  WHERE id IN (SELECT id FROM videos WHERE ready = 1 ORDER BY id LIMIT 10) RETURNING *`;
// The stuck-row query recovery runs (its WHERE, as the stores build it).
const STUCK_WHERE = (p1, p2) =>
  `(lease_token IS NOT NULL AND lease_expires_at < ${p1}) OR (lease_token IS NULL AND stage IN ('processing') AND updated_at < ${p2})`;

async function sweep(store, legacy) {
  const t0 = performance.now();
  const report = await recover(store, {
    actor: "bench",
    now,
    maxAttempts: 5,
    ...(legacy ? { legacyTimeoutMs: HOUR } : {}),
  });
  const ms = performance.now() - t0;
  if (report.actions.length !== ROWS / 100)
    throw new Error(`recovered ${report.actions.length}, expected ${ROWS / 100}`);
  return ms;
}

const out = {
  machine: machineInfo(),
  at: new Date().toISOString(),
  rows: ROWS,
  stuck: ROWS / 100,
  results: [],
};

{
  const db = await freshDatabase("postgres", { machine: videoStageMachine });
  const c = new pg.Client({ connectionString: db.url, options: `-c search_path=${db.schema}` });
  await c.connect();
  const t0 = performance.now();
  await c.query(PG_LOAD, [now]);
  await c.query(READY.replace("%TRUE%", "true"));
  await c.query("VACUUM ANALYZE videos");
  console.log(`postgres: loaded ${ROWS} rows in ${Math.round(performance.now() - t0)} ms`);
  const plan = (
    await c.query(
      `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT id FROM videos WHERE ${STUCK_WHERE("$1", "$2")} LIMIT 1000 FOR UPDATE SKIP LOCKED`,
      [now, new Date(now.getTime() - HOUR)],
    )
  ).rows.map((r) => r["QUERY PLAN"]);
  await c.query("BEGIN");
  const claimPlan = (await c.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${PG_CLAIM}`, [now])).rows.map(
    (r) => r["QUERY PLAN"],
  );
  await c.query("ROLLBACK");
  for (const legacy of [false, true]) {
    const times = [];
    for (let i = 0; i < REPEATS; i++) {
      await c.query(PG_RESTICK, [now]);
      await c.query("VACUUM ANALYZE videos");
      times.push(Math.round(await sweep(db.store, legacy)));
    }
    const s = summary(times);
    out.results.push({ dialect: "postgres", legacyMode: legacy, ms: s });
    console.log(
      `postgres: recover ${ROWS / 100} of ${ROWS} rows${legacy ? " (legacy mode too)" : ""}: median ${s.median} ms (min ${s.min}, max ${s.max})`,
    );
  }
  out.postgresPlan = plan;
  out.postgresClaimPlan = claimPlan;
  console.log(plan.join("\n"));
  await c.end();
  await db.store.close();
  await db.cleanup();
}

{
  const db = await freshDatabase("sqlite", { machine: videoStageMachine });
  const raw = new Database(db.url);
  const t0 = performance.now();
  raw.prepare(SQLITE_LOAD).run({ now: now.getTime() });
  raw.exec(READY.replace("%TRUE%", "1"));
  raw.exec("ANALYZE");
  console.log(`sqlite: loaded ${ROWS} rows in ${Math.round(performance.now() - t0)} ms`);
  const plan = raw
    .prepare(`EXPLAIN QUERY PLAN SELECT id FROM videos WHERE ${STUCK_WHERE("@now", "@before")} LIMIT 1000`)
    .all({ now: now.getTime(), before: now.getTime() - HOUR })
    .map((r) => r.detail);
  const claimPlan = raw
    .prepare(`EXPLAIN QUERY PLAN ${SQLITE_CLAIM}`)
    .all({ now: now.getTime() })
    .map((r) => r.detail);
  for (const legacy of [false, true]) {
    const times = [];
    for (let i = 0; i < REPEATS; i++) {
      raw.prepare(SQLITE_RESTICK).run({ now: now.getTime() });
      times.push(Math.round(await sweep(db.store, legacy)));
    }
    const s = summary(times);
    out.results.push({ dialect: "sqlite", legacyMode: legacy, ms: s });
    console.log(
      `sqlite:   recover ${ROWS / 100} of ${ROWS} rows${legacy ? " (legacy mode too)" : ""}: median ${s.median} ms (min ${s.min}, max ${s.max})`,
    );
  }
  out.sqlitePlan = plan;
  out.sqliteClaimPlan = claimPlan;
  console.log(plan.join("\n"));
  raw.close();
  await db.store.close();
}
writeResult("recovery-sweep", out);
