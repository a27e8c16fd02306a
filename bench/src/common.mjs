// Shared helpers for the benchmark scripts: machine info, medians, fresh databases, results.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { defineStageMachine } from "@holdfast/core";
import { openStore } from "@holdfast/db";
import Database from "better-sqlite3";
import pg from "pg";

export const PG_URL =
  process.env.HOLDFAST_BENCH_PG_URL ??
  process.env.HOLDFAST_TEST_PG_URL ??
  "postgres://postgres@127.0.0.1:5432/test";
export const RESULTS = new URL("../results/", import.meta.url);

/** A two-stage machine: the benchmark measures the store and the loop, not the video stages. */
export const benchMachine = defineStageMachine({
  stages: ["queued", "done", "dead"],
  initial: "queued",
  transitions: { queued: ["done", "dead"], done: [], dead: [] },
  terminal: ["done", "dead"],
  ready: ["queued"],
  releaseTo: {},
  failed: "dead",
  completed: "done",
  legacyStuck: [],
});

export function machineInfo() {
  let pgVersion = null;
  try {
    pgVersion = execFileSync("psql", [PG_URL, "-Atc", "show server_version"], { encoding: "utf8" }).trim();
  } catch {}
  const pkg = (name) => {
    try {
      return JSON.parse(
        readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), "utf8"),
      ).version;
    } catch {
      return null;
    }
  };
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? null,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: pgVersion,
    betterSqlite3: pkg("better-sqlite3"),
    pg: pkg("pg"),
  };
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const summary = (xs) => ({
  median: median(xs),
  min: Math.min(...xs),
  max: Math.max(...xs),
  runs: xs.length,
});

let schemaSeq = 0;
/** A fresh, migrated database: a temp SQLite file, or a new Postgres schema. */
export async function freshDatabase(dialect, { machine = benchMachine } = {}) {
  if (dialect === "sqlite") {
    const url = join(mkdtempSync(join(tmpdir(), "hf-bench-")), "bench.db");
    const store = await openStore({ url, machine });
    await store.migrate();
    return { store, url, cleanup: async () => {} };
  }
  const schema = `hf_bench_${process.pid}_${++schemaSeq}`;
  const store = await openStore({ url: PG_URL, postgresSchema: schema, machine });
  await store.migrate();
  return {
    store,
    url: PG_URL,
    schema,
    cleanup: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}

export function writeResult(name, data) {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(new URL(`${name}.json`, RESULTS), `${JSON.stringify(data, null, 2)}\n`);
}

/** Bulk-loads `n` ready rows in the bench machine's initial stage (fast; not measured). */
export async function seedReady(db, n, prefix = "t") {
  const now = Date.now();
  if (db.schema === undefined) {
    const raw = new Database(db.url);
    raw
      .prepare(
        `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${n})
         INSERT INTO videos (source_id, stage, ready, data, attempts, created_at, updated_at)
         SELECT ? || n, ?, 1, '{}', 0, ?, ? FROM g`,
      )
      .run(prefix, benchMachine.initial, now, now);
    raw.close();
    return;
  }
  const c = new pg.Client({ connectionString: db.url, options: `-c search_path=${db.schema}` });
  await c.connect();
  await c.query(
    `INSERT INTO videos (source_id, stage, ready, data, attempts, created_at, updated_at)
     SELECT $1 || g, $2, true, '{}', 0, $3, $3 FROM generate_series(1, ${n}) g`,
    [prefix, benchMachine.initial, new Date(now)],
  );
  await c.query("VACUUM ANALYZE videos");
  await c.end();
}
