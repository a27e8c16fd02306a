// Writes results/README.md from the JSON results, so the table and the data never disagree.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { RESULTS } from "./common.mjs";

const read = (name) => {
  const url = new URL(`${name}.json`, RESULTS);
  return existsSync(url) ? JSON.parse(readFileSync(url, "utf8")) : null;
};
const lines = [
  "# Benchmark results",
  "",
  "Written by `node bench/src/report.mjs` from the JSON files beside it. Medians of repeats on a shared machine: compare ratios, not absolutes.",
  "",
];
const t = read("claim-throughput");
if (t) {
  const m = t.machine;
  lines.push(
    `Machine: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, PostgreSQL ${m.postgres}, better-sqlite3 ${m.betterSqlite3}, pg ${m.pg}.`,
    "",
  );
  lines.push(
    "## Claim → complete throughput (core worker loop, no-op handler, fencing + heartbeats on)",
    "",
    `Command: \`pnpm --filter @holdfast/bench bench:throughput\` (${t.rows[0]?.tasks} tasks per run).`,
    "",
  );
  lines.push(
    "| store | processes × concurrency | tasks/s median | min | max | runs |",
    "|---|---|---|---|---|---|",
  );
  for (const r of t.rows)
    lines.push(
      `| ${r.dialect} | ${r.processes} × ${r.concurrency} | ${r.tasksPerSecond.median} | ${r.tasksPerSecond.min} | ${r.tasksPerSecond.max} | ${r.tasksPerSecond.runs} |`,
    );
  lines.push("");
}
const b = read("batch-throughput");
if (b) {
  lines.push(
    "## Claim → complete throughput of the store alone (batches, no worker loop)",
    "",
    `Command: \`pnpm --filter @holdfast/bench bench:batch\` (${b.rows[0]?.tasks} tasks per run). Each process claims a batch in one statement and completes every row of it at once (group commit: one statement on Postgres, one transaction on SQLite, each row fenced on its own).`,
    "",
    "| store | processes | batch | tasks/s median | min | max | runs |",
    "|---|---|---|---|---|---|---|",
  );
  for (const r of b.rows)
    lines.push(
      `| ${r.dialect} | ${r.processes} | ${r.batch} | ${r.tasksPerSecond.median} | ${r.tasksPerSecond.min} | ${r.tasksPerSecond.max} | ${r.tasksPerSecond.runs} |`,
    );
  lines.push("");
}
const s = read("recovery-sweep");
if (s) {
  lines.push(
    `## Recovery sweep: ${s.rows.toLocaleString("en")} rows, ${s.stuck.toLocaleString("en")} stuck (1%)`,
    "",
    "Command: `pnpm --filter @holdfast/bench bench:recovery`. Time of core's `recover()` releasing every stuck row (batches of 1,000, one audit event each).",
    "",
  );
  lines.push("| store | mode | ms median | min | max | runs |", "|---|---|---|---|---|---|");
  for (const r of s.results)
    lines.push(
      `| ${r.dialect} | ${r.legacyMode ? "leases + legacy" : "leases"} | ${r.ms.median} | ${r.ms.min} | ${r.ms.max} | ${r.ms.runs} |`,
    );
  lines.push(
    "",
    "Postgres plan of one recovery batch's scan (EXPLAIN ANALYZE):",
    "",
    "```",
    ...s.postgresPlan,
    "```",
    "",
    "SQLite plan:",
    "",
    "```",
    ...s.sqlitePlan,
    "```",
    "",
    "Claim plans (Postgres, SQLite):",
    "",
    "```",
    ...s.postgresClaimPlan,
    "",
    ...s.sqliteClaimPlan,
    "```",
    "",
  );
}
const h = read("heartbeat-cost");
if (h) {
  lines.push(
    `## Cost of liveness: ${h.inFlight} rows in flight, table of ${h.tableRows.toLocaleString("en")} rows`,
    "",
    `Command: \`pnpm --filter @holdfast/bench bench:heartbeat\`. A worker renews all its leases in one statement and heartbeats its worker row in another, every ${h.heartbeatEveryMs / 1000} s (ttl ${h.leaseTtlMs / 1000} s / 3): **${h.statementsPerSecondPerWorker} statements/s per worker**, whatever the number of rows in flight.`,
    "",
  );
  lines.push(
    "| store | extend 100 leases, ms median | worker heartbeat, ms median | DB busy ms per second per worker |",
    "|---|---|---|---|",
  );
  for (const r of h.results)
    lines.push(
      `| ${r.dialect} | ${r.extendLeasesMs.median} | ${r.workerHeartbeatMs.median} | ${r.busyMsPerSecond} |`,
    );
  lines.push("");
}
// ---- Side by side: holdfast vs graphile-worker vs pg-boss vs raw SQL (bench:compare) ----
const cmpMachine = (m) =>
  `Machine: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, PostgreSQL ${m.postgres}; graphile-worker ${m.graphileWorker}, pg-boss ${m.pgBoss}, close-with-grace ${m.closeWithGrace}, pg ${m.pg}; holdfast packages at ${m.holdfastCommit ?? "?"}${m.holdfastPackagesDirty ? " + uncommitted changes" : ""}.`;
const ct = read("compare-throughput");
if (ct) {
  lines.push(
    "## Side by side: claim → complete throughput (no-op tasks)",
    "",
    `Command: \`pnpm --filter @holdfast/bench bench:compare:throughput\` (${ct.tasks} tasks per run, same PostgreSQL, each system in its own schema of one fresh database; HF_CMP_TASKS to shrink). The parent polls the count of unfinished tasks every ${ct.pollMs} ms for every system; a run stops at ${ct.capSeconds} s and its rate is then tasks finished / elapsed (marked *capped*). Statements: every pg \`Client#query\` (better-sqlite3 statement for SQLite) a worker process sent, per task; row writes: \`n_tup_ins + n_tup_upd + n_tup_del\` of the system's schema per task. ${cmpMachine(ct.machine)}`,
    "",
    "| system | options | processes × concurrency | tasks/s median | min | max | runs | statements/task | row writes/task | worker RSS MiB |",
    "|---|---|---|---|---|---|---|---|---|---|",
  );
  const opt = (o) =>
    o == null ? "defaults" : typeof o === "string" ? o : JSON.stringify(o).replaceAll("|", "\\|");
  for (const r of ct.rows)
    lines.push(
      `| ${r.system} | ${opt(r.options)} | ${r.processes} × ${r.concurrency} | ${r.tasksPerSecond.median}${r.capped ? " (capped)" : ""} | ${r.tasksPerSecond.min} | ${r.tasksPerSecond.max} | ${r.tasksPerSecond.runs} | ${r.statementsPerTask} | ${r.tupleWritesPerTask ?? "–"} | ${r.workerRssMiB} |`,
    );
  lines.push(
    "",
    "Ratios of medians (holdfast Postgres over …):",
    "",
    "| processes | holdfast-pg / gw-default | holdfast-pg-batched / gw-batched | holdfast-pg / raw-1 | holdfast-pg-batched / raw-batch (ceiling) | holdfast-sqlite / gw-default | holdfast-sqlite-batched / gw-batched |",
    "|---|---|---|---|---|---|---|",
  );
  for (const r of ct.ratios)
    lines.push(
      `| ${r.processes} | ${r.holdfastPgOverGraphileDefault} | ${r.holdfastPgBatchedOverGraphileBatched} | ${r.holdfastPgOverCeilingOneRow} | ${r.holdfastPgBatchedOverCeilingBatched} | ${r.holdfastSqliteOverGraphileDefault} | ${r.holdfastSqliteBatchedOverGraphileBatched} |`,
    );
  lines.push("", "Statements per system (first run, 1 process, most frequent first):", "", "```");
  for (const r of ct.rows.filter((x) => x.processes === ct.rows[0].processes))
    lines.push(
      `${r.system}:`,
      ...r.topStatements.slice(0, 5).map((t) => `  ${String(t.n).padStart(6)}  ${t.statement}`),
    );
  lines.push("```", "");
}
const cr = read("compare-crash-recovery");
if (cr) {
  lines.push(
    "## Side by side: crash recovery latency (defaults)",
    "",
    `Command: \`pnpm --filter @holdfast/bench bench:compare:crash\`. One long task; its worker is SIGKILLed and another started at once; time until the task runs again, capped at ${cr.capSeconds} s. ${cmpMachine(cr.machine)}`,
    "",
    "| system | median ms | min | max | runs measured | runs > cap | what decides it |",
    "|---|---|---|---|---|---|---|",
  );
  for (const r of cr.rows)
    lines.push(
      `| ${r.system} | ${r.ms ? r.ms.median : `> ${cr.capSeconds} s`} | ${r.ms?.min ?? "–"} | ${r.ms?.max ?? "–"} | ${r.runs - r.overCap} | ${r.overCap} | ${cr.defaults[r.kind] ?? ""} |`,
    );
  lines.push("");
}
const gs = read("compare-graceful-stop");
if (gs) {
  lines.push(
    "## Side by side: graceful stop (SIGTERM → exit)",
    "",
    `Command: \`pnpm --filter @holdfast/bench bench:compare:stop\`. ${gs.what}. ${cmpMachine(gs.machine)}`,
    "",
    "| mode | kind | ms median | min | max | runs |",
    "|---|---|---|---|---|---|",
  );
  for (const r of gs.rows)
    lines.push(`| ${r.mode} | ${r.kind} | ${r.ms.median} | ${r.ms.min} | ${r.ms.max} | ${r.ms.runs} |`);
  lines.push("");
}
const lv = read("compare-liveness");
if (lv) {
  lines.push(
    "## Side by side: cost of liveness (100 long tasks in flight, one worker)",
    "",
    `Command: \`pnpm --filter @holdfast/bench bench:compare:liveness\`. Statements the worker process sent per second over ${lv.rows[0]?.windowSeconds} s once all 100 tasks ran, and its RSS then. ${cmpMachine(lv.machine)}`,
    "",
    "| system | statements/s median | min | max | RSS MiB median | min | max | runs |",
    "|---|---|---|---|---|---|---|---|",
  );
  for (const r of lv.rows)
    lines.push(
      `| ${r.system} | ${r.statementsPerSecond.median} | ${r.statementsPerSecond.min} | ${r.statementsPerSecond.max} | ${r.rssMiB.median} | ${r.rssMiB.min} | ${r.rssMiB.max} | ${r.rssMiB.runs} |`,
    );
  lines.push("", "What those statements are (first run):", "", "```");
  for (const r of lv.rows)
    lines.push(
      `${r.system}:`,
      ...r.topStatements.slice(0, 6).map((t) => `  ${String(t.n).padStart(6)}  ${t.statement}`),
    );
  lines.push("```", "");
}
writeFileSync(new URL("README.md", RESULTS), `${lines.join("\n")}\n`);
console.log(lines.join("\n"));
