// Side by side, same run, same PostgreSQL: claim → complete throughput of no-op tasks,
// 1 process × concurrency 10 and 2 processes × 10, for holdfast (Postgres, SQLite),
// graphile-worker (defaults; batched: localQueue + batched completion), pg-boss (batchSize
// 1 and 100) and a raw SQL claim loop (the ceiling). Also counts the statements each system
// sends per task (pg's Client#query wrapped inside the worker processes).
// The parent seeds, starts the workers, says "go" and polls the count of unfinished tasks
// every HF_CMP_POLL_MS (100) — the same for every system; a run stops at HF_CMP_CAP_S (15 s)
// and the rate is then tasks finished / elapsed (pg-boss at its default 2 s polling is
// polling-bound).
// Env: HF_CMP_TASKS (20000), HF_REPEATS (3), HF_CMP_SYSTEMS (comma list), HF_CMP_PROCS ("1,2").
import { fileURLToPath } from "node:url";
import { writeResult } from "../common.mjs";
import {
  compareMachineInfo,
  createCompareDb,
  dropCompareDb,
  round,
  sleep,
  spawnJson,
  summary,
  withDb,
} from "./lib.mjs";
import { newTrial, SYSTEMS } from "./systems.mjs";

const TASKS = Number(process.env.HF_CMP_TASKS ?? 20_000);
const REPEATS = Number(process.env.HF_REPEATS ?? 3);
const CAP_MS = Number(process.env.HF_CMP_CAP_S ?? 15) * 1000;
const POLL_MS = Number(process.env.HF_CMP_POLL_MS ?? 100);
const PROCS = (process.env.HF_CMP_PROCS ?? "1,2").split(",").map(Number);
const NAMES = (process.env.HF_CMP_SYSTEMS ?? Object.keys(SYSTEMS).join(",")).split(",");
/** n_tup_ins + n_tup_upd + n_tup_del over the trial's schema (Postgres systems only). */
async function tuples(trial) {
  if (trial.sqlite) return null;
  await sleep(1100); // backends flush their table stats at most once a second
  return withDb(
    async (c) =>
      +(
        await c.query(
          "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) n FROM pg_stat_user_tables WHERE schemaname = $1",
          [trial.schema],
        )
      ).rows[0].n,
  );
}
const workerScript = fileURLToPath(new URL("./worker.mjs", import.meta.url));

async function runOnce(name, procs) {
  const system = SYSTEMS[name];
  const trial = newTrial(name);
  await system.setup(trial, TASKS);
  const workers = Array.from({ length: procs }, () =>
    spawnJson(workerScript, [name, JSON.stringify(trial), "noop"]),
  );
  try {
    for (const w of workers) await w.next(); // ready
    const before = await tuples(trial);
    const t0 = performance.now();
    for (const w of workers) w.send("go");
    let left = TASKS;
    while (performance.now() - t0 < CAP_MS) {
      await sleep(POLL_MS);
      left = await system.remaining(trial);
      if (left === 0) break;
    }
    const wall = performance.now() - t0;
    for (const w of workers) w.send("stop");
    const reports = await Promise.all(workers.map((w) => w.next()));
    await Promise.all(workers.map((w) => w.exited));
    const done = TASKS - left;
    const after = await tuples(trial);
    const statements = reports.reduce((a, r) => a + r.statements.total, 0);
    return {
      rate: done / (wall / 1000),
      done,
      capped: left > 0,
      statementsPerTask: statements / Math.max(1, done),
      // Rows the database inserted, updated or deleted (every table of the trial's schema)
      // per task finished: what each claim → complete costs in writes.
      tupleWritesPerTask: after === null ? null : (after - before) / Math.max(1, done),
      rssMiB: Math.max(...reports.map((r) => r.rss)) / 2 ** 20,
      top: reports[0].statements.top,
    };
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
    await system.cleanup(trial);
  }
}

const machine = compareMachineInfo();
console.log(
  `machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, PostgreSQL ${machine.postgres}; ` +
    `graphile-worker ${machine.graphileWorker}, pg-boss ${machine.pgBoss}, pg ${machine.pg}, holdfast ${machine.holdfastCommit}${machine.holdfastPackagesDirty ? " (+ uncommitted package changes)" : ""}`,
);
await createCompareDb();
const rows = [];
try {
  for (const procs of PROCS) {
    // Repeats are interleaved (every system once, then again): drift on a shared machine
    // hits every system alike. A run that fails (e.g. the server restarted under another
    // engineer's test) is retried up to twice.
    const runsOf = Object.fromEntries(NAMES.map((n) => [n, []]));
    for (let i = 0; i < REPEATS; i++) {
      for (const name of NAMES) {
        for (let attempt = 1; ; attempt++) {
          try {
            runsOf[name].push(await runOnce(name, procs));
            break;
          } catch (err) {
            if (attempt >= 3) throw err;
            console.warn(`${name} ${procs}×10: ${err.message}; retrying`);
            await sleep(5000);
            await createCompareDb().catch(() => {});
          }
        }
      }
    }
    for (const name of NAMES) {
      const runs = runsOf[name];
      const s = summary(runs.map((r) => Math.round(r.rate)));
      const row = {
        system: name,
        kind: SYSTEMS[name].kind,
        options: SYSTEMS[name].options ?? null,
        processes: procs,
        concurrency: 10,
        tasks: TASKS,
        tasksPerSecond: s,
        capped: runs.some((r) => r.capped),
        statementsPerTask: round(summary(runs.map((r) => r.statementsPerTask)).median, 2),
        tupleWritesPerTask:
          runs[0].tupleWritesPerTask === null
            ? null
            : round(summary(runs.map((r) => r.tupleWritesPerTask)).median, 2),
        workerRssMiB: round(summary(runs.map((r) => r.rssMiB)).median, 1),
        topStatements: runs[0].top,
      };
      rows.push(row);
      console.log(
        `${procs}×10 ${name.padEnd(22)} median ${s.median} tasks/s (min ${s.min}, max ${s.max}, ${s.runs} runs)` +
          `${row.capped ? ` [capped at ${CAP_MS / 1000} s]` : ""}; ${row.statementsPerTask} statements/task; ${row.tupleWritesPerTask} row writes/task; rss ${row.workerRssMiB} MiB`,
      );
    }
  }
} finally {
  await dropCompareDb();
}
const ratio = (a, b, procs) => {
  const x = rows.find((r) => r.system === a && r.processes === procs);
  const y = rows.find((r) => r.system === b && r.processes === procs);
  return x && y ? round(x.tasksPerSecond.median / y.tasksPerSecond.median, 2) : null;
};
const ratios = PROCS.map((procs) => ({
  processes: procs,
  // Like with like: defaults against defaults, batched against batched.
  holdfastPgOverGraphileDefault: ratio("holdfast-pg", "gw-default", procs),
  holdfastPgBatchedOverGraphileBatched: ratio("holdfast-pg-batched", "gw-batched", procs),
  holdfastPgOverCeilingOneRow: ratio("holdfast-pg", "raw-1", procs),
  holdfastPgBatchedOverCeilingBatched: ratio("holdfast-pg-batched", "raw-batch", procs),
  holdfastSqliteOverGraphileDefault: ratio("holdfast-sqlite", "gw-default", procs),
  holdfastSqliteBatchedOverGraphileBatched: ratio("holdfast-sqlite-batched", "gw-batched", procs),
}));
console.table(ratios);
writeResult("compare-throughput", {
  machine,
  at: new Date().toISOString(),
  tasks: TASKS,
  capSeconds: CAP_MS / 1000,
  pollMs: POLL_MS,
  rows,
  ratios,
});
