// The systems compared, each behind the same small interface:
//   parent side: setup(trial, n) seeds n no-op tasks in the trial's own schema (or SQLite
//                file), remaining(trial) counts tasks not finished yet, cleanup(trial).
//   child side:  start({ trial, concurrency, handler }) starts a worker in this process
//                running handler(taskId) for each task (a no-op, or a long task); returns
//                { stop() }.
// Every system gets its defaults except what the variant names (concurrency, batch sizes).
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { benchMachine } from "../common.mjs";
import { dbUrl, dropSchema, withDb } from "./lib.mjs";

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------- holdfast
async function holdfastStore(trial) {
  const { openStore } = await import("@holdfast/db");
  return trial.sqlite
    ? openStore({ url: trial.file, machine: benchMachine })
    : openStore({ url: dbUrl(), postgresSchema: trial.schema, machine: benchMachine });
}
function holdfast({ sqlite = false, prefetch } = {}) {
  const where = sqlite ? "SQLite file (WAL)" : "PostgreSQL";
  return {
    kind: "holdfast",
    options: prefetch !== undefined ? { store: where, prefetch } : `${where}, defaults`,
    async setup(trial, n) {
      if (sqlite) {
        trial.dir = mkdtempSync(join(tmpdir(), "hf-cmp-"));
        trial.file = join(trial.dir, "bench.db");
      }
      trial.sqlite = sqlite;
      const store = await holdfastStore(trial);
      await store.migrate();
      await store.close();
      // Bulk seed in SQL (as recovery-sweep does): the rows taskAdd would write.
      if (sqlite) {
        const Database = require("better-sqlite3");
        const db = new Database(trial.file);
        db.prepare(
          `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${n})
           INSERT INTO videos (source_id, stage, ready, data, attempts, created_at, updated_at)
           SELECT 't' || n, 'queued', 1, '{}', 0, ?, ? FROM g`,
        ).run(Date.now(), Date.now());
        db.close();
      } else {
        await withDb((c) =>
          c.query(
            `INSERT INTO ${trial.schema}.videos (source_id, stage, ready, data, attempts, created_at, updated_at)
             SELECT 't' || g, 'queued', true, '{}', 0, now(), now() FROM generate_series(1, ${n}) g;
             ANALYZE ${trial.schema}.videos`,
          ),
        );
      }
    },
    async remaining(trial) {
      if (sqlite) {
        const Database = require("better-sqlite3");
        const db = new Database(trial.file, { readonly: true });
        try {
          return db.prepare("SELECT count(*) AS n FROM videos WHERE stage <> 'done'").get().n;
        } finally {
          db.close();
        }
      }
      return withDb(
        async (c) =>
          +(await c.query(`SELECT count(*) n FROM ${trial.schema}.videos WHERE stage <> 'done'`)).rows[0].n,
      );
    },
    async cleanup(trial) {
      if (sqlite) rmSync(trial.dir, { recursive: true, force: true });
      else await dropSchema(trial.schema);
    },
    async start({ trial, concurrency, handler, defaults = false }) {
      const { createWorker } = await import("@holdfast/core");
      const store = await holdfastStore(trial);
      const worker = createWorker({
        store,
        machine: benchMachine,
        ...(defaults ? {} : { concurrency }),
        ...(prefetch !== undefined ? { prefetch } : {}),
        handler: async (ctx) => {
          await handler(ctx.task.id, ctx.signal);
          // A no-op has no result: no result row (graphile-worker and pg-boss keep none either).
          await ctx.complete();
        },
      });
      const done = worker.run();
      return {
        async stop() {
          worker.stop("bench");
          await done;
          await store.close();
        },
      };
    },
  };
}

// ---------------------------------------------------------------------- graphile-worker
const silentGwLogger = () => {
  const { Logger } = require("graphile-worker");
  return new Logger(() => () => {});
};
function graphileWorker({ batched = false } = {}) {
  const preset = batched
    ? { worker: { localQueue: { size: 100 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } }
    : undefined;
  return {
    kind: "graphile-worker",
    options: preset?.worker ?? "defaults",
    async setup(trial, n) {
      const { runMigrations } = require("graphile-worker");
      await runMigrations({ connectionString: dbUrl(), schema: trial.schema, logger: silentGwLogger() });
      await withDb((c) =>
        c.query(
          `SELECT ${trial.schema}.add_jobs(array(
             SELECT row('noop', '{}'::json, null, null, null, null, null, null)::${trial.schema}.job_spec
             FROM generate_series(1, ${n})))`,
        ),
      );
    },
    remaining: (trial) =>
      withDb(async (c) => +(await c.query(`SELECT count(*) n FROM ${trial.schema}._private_jobs`)).rows[0].n),
    cleanup: (trial) => dropSchema(trial.schema),
    async start({ trial, concurrency, handler, defaults = false }) {
      const { run } = require("graphile-worker");
      const runner = await run({
        connectionString: dbUrl(),
        schema: trial.schema,
        ...(defaults ? {} : { concurrency }),
        noHandleSignals: true,
        logger: silentGwLogger(),
        taskList: { noop: async (_payload, helpers) => handler(helpers.job.id, helpers.abortSignal) },
        ...(preset ? { preset } : {}),
      });
      return { stop: () => runner.stop() };
    },
  };
}

// ------------------------------------------------------------------------------ pg-boss
// pg-boss 10 has no teamSize: each work() call is one polling loop that fetches batchSize
// jobs, runs the handler on the array, completes them (not awaited) and then waits out the
// rest of pollingIntervalSeconds (2 s default, 0.5 s minimum) unless the fetch took longer.
// Concurrency 10 = ten work() calls.
function pgBoss({ batchSize = 1, pollingIntervalSeconds } = {}) {
  const queue = "noop";
  const newBoss = (trial, extra = {}) => {
    const PgBoss = require("pg-boss");
    const boss = new PgBoss({ connectionString: dbUrl(), schema: trial.schema, ...extra });
    boss.on("error", (err) => process.stderr.write(`pg-boss error: ${err.message}\n`));
    return boss;
  };
  return {
    kind: "pg-boss",
    options: { batchSize, pollingIntervalSeconds: pollingIntervalSeconds ?? "default (2)" },
    async setup(trial, n) {
      const boss = newBoss(trial, { supervise: false, schedule: false });
      await boss.start();
      await boss.createQueue(queue);
      for (let i = 0; i < n; i += 5000) {
        await boss.insert(Array.from({ length: Math.min(5000, n - i) }, () => ({ name: queue, data: {} })));
      }
      await boss.stop({ graceful: false, wait: true });
    },
    remaining: (trial) =>
      withDb(
        async (c) =>
          +(await c.query(`SELECT count(*) n FROM ${trial.schema}.job WHERE state <> 'completed'`)).rows[0].n,
      ),
    cleanup: (trial) => dropSchema(trial.schema),
    async start({ trial, concurrency, handler, defaults = false }) {
      const boss = newBoss(trial);
      await boss.start();
      const opts = {
        ...(batchSize !== 1 ? { batchSize } : {}),
        ...(pollingIntervalSeconds ? { pollingIntervalSeconds } : {}),
      };
      for (let i = 0; i < (defaults ? 1 : concurrency); i++) {
        await boss.work(queue, opts, async (jobs) => {
          await Promise.all(jobs.map((j) => handler(j.id)));
        });
      }
      return { stop: () => boss.stop({ graceful: false, wait: false }) };
    },
  };
}

// ---------------------------------------------------------------------- raw SQL ceiling
// A plain table, a partial index of the ready rows, FOR UPDATE SKIP LOCKED; completion is
// fenced on the owner. No heartbeats, no audit, no result row: the floor of what a Postgres
// claim → complete costs. One row: `concurrency` loops, each claims one row, runs it and
// completes it. Batched (the ceiling): one loop claims up to 100 rows (graphile-worker's
// local queue size in its batched configuration), runs them `concurrency` at a time and
// completes them in one statement that is not waited for before the next claim (at most
// two completions on their way at once).
const RAW_BATCH = 100;
function rawSql({ batch = false } = {}) {
  return {
    kind: "raw SQL",
    options: batch
      ? `claim up to ${RAW_BATCH} rows, complete each batch in one statement, pipelined`
      : "claim 1, complete 1",
    async setup(trial, n) {
      await withDb((c) =>
        c.query(`CREATE SCHEMA ${trial.schema};
          CREATE TABLE ${trial.schema}.raw_jobs (id bigserial PRIMARY KEY, state text NOT NULL DEFAULT 'ready',
            payload jsonb NOT NULL DEFAULT '{}', attempts int NOT NULL DEFAULT 0, locked_by text, locked_until timestamptz);
          CREATE INDEX raw_jobs_ready_idx ON ${trial.schema}.raw_jobs (id) WHERE state = 'ready';
          INSERT INTO ${trial.schema}.raw_jobs (state) SELECT 'ready' FROM generate_series(1, ${n});
          ANALYZE ${trial.schema}.raw_jobs;`),
      );
    },
    remaining: (trial) =>
      withDb(
        async (c) =>
          +(await c.query(`SELECT count(*) n FROM ${trial.schema}.raw_jobs WHERE state <> 'done'`)).rows[0].n,
      ),
    cleanup: (trial) => dropSchema(trial.schema),
    async start({ trial, concurrency, handler }) {
      const pool = new pg.Pool({ connectionString: dbUrl(), max: concurrency });
      const owner = `raw-${process.pid}`;
      const claim = `UPDATE ${trial.schema}.raw_jobs j SET state = 'running', locked_by = $1,
          locked_until = now() + interval '30 seconds', attempts = j.attempts + 1
        FROM (SELECT id FROM ${trial.schema}.raw_jobs WHERE state = 'ready' ORDER BY id LIMIT $2
              FOR UPDATE SKIP LOCKED) p
        WHERE j.id = p.id RETURNING j.id`;
      const complete = `UPDATE ${trial.schema}.raw_jobs SET state = 'done', locked_by = NULL, locked_until = NULL
        WHERE id = ANY($1::bigint[]) AND locked_by = $2`;
      let stopping = false;
      const claimRows = async (n) =>
        (await pool.query({ name: `claim${n}`, text: claim, values: [owner, n] })).rows;
      const completeRows = (ids) => pool.query({ name: "complete", text: complete, values: [ids, owner] });
      const idle = () => new Promise((r) => setTimeout(r, 20));
      const loop = async () => {
        while (!stopping) {
          const rows = await claimRows(1);
          if (rows.length === 0) {
            await idle();
            continue;
          }
          await handler(rows[0].id);
          await completeRows([rows[0].id]);
        }
      };
      const batchLoop = async () => {
        const writing = new Set();
        while (!stopping) {
          const rows = await claimRows(RAW_BATCH);
          if (rows.length === 0) {
            await idle();
            continue;
          }
          for (let i = 0; i < rows.length; i += concurrency) {
            await Promise.all(rows.slice(i, i + concurrency).map((r) => handler(r.id)));
          }
          const write = completeRows(rows.map((r) => r.id)).finally(() => writing.delete(write));
          writing.add(write);
          if (writing.size >= 2) await Promise.race(writing);
        }
        await Promise.all(writing);
      };
      const loops = batch ? [batchLoop()] : Array.from({ length: concurrency }, () => loop());
      return {
        async stop() {
          stopping = true;
          await Promise.all(loops);
          await pool.end();
        },
      };
    },
  };
}

export const SYSTEMS = {
  "holdfast-pg": holdfast(),
  // The counterpart of graphile-worker's batched configuration: up to 100 rows held locally.
  "holdfast-pg-batched": holdfast({ prefetch: 90 }),
  "holdfast-sqlite": holdfast({ sqlite: true }),
  "holdfast-sqlite-batched": holdfast({ sqlite: true, prefetch: 90 }),
  "gw-default": graphileWorker(),
  "gw-batched": graphileWorker({ batched: true }),
  "boss-b1": pgBoss({ batchSize: 1 }),
  "boss-b100": pgBoss({ batchSize: 100 }),
  "boss-b100-poll0.5": pgBoss({ batchSize: 100, pollingIntervalSeconds: 0.5 }),
  "raw-1": rawSql(),
  "raw-batch": rawSql({ batch: true }),
};

let seq = 0;
export const newTrial = (name) => ({
  system: name,
  schema: `cmp_${name.replace(/[^a-z0-9]/gi, "_")}_${process.pid}_${++seq}`.toLowerCase(),
});
