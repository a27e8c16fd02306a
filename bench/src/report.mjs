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
writeFileSync(new URL("README.md", RESULTS), `${lines.join("\n")}\n`);
console.log(lines.join("\n"));
