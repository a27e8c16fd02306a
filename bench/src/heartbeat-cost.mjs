// Cost of liveness: what heartbeats cost the database for 100 rows in flight. A worker
// renews ALL its leases in one statement and heartbeats its worker row in another, every
// ttl/3; this measures both statements' latency (on a table of HF_ROWS rows) and reports
// statements per second per worker. Run: pnpm --filter @holdfast/bench bench:heartbeat
import { DEFAULTS } from "@holdfast/core";
import { freshDatabase, machineInfo, seedReady, summary, writeResult } from "./common.mjs";

const IN_FLIGHT = 100;
const BACKGROUND = Number(process.env.HF_ROWS ?? 100_000);
const SAMPLES = Number(process.env.HF_SAMPLES ?? 200);
const periodMs = DEFAULTS.leaseTtlMs * DEFAULTS.heartbeatFraction;
const out = {
  machine: machineInfo(),
  at: new Date().toISOString(),
  inFlight: IN_FLIGHT,
  tableRows: BACKGROUND + IN_FLIGHT,
  leaseTtlMs: DEFAULTS.leaseTtlMs,
  heartbeatEveryMs: periodMs,
  // One extend-leases statement + one worker heartbeat per period, whatever the row count.
  statementsPerSecondPerWorker: 2 / (periodMs / 1000),
  results: [],
};

for (const dialect of ["sqlite", "postgres"]) {
  const db = await freshDatabase(dialect);
  const { store } = db;
  const now = new Date();
  await seedReady(db, BACKGROUND + IN_FLIGHT, "r");
  // Background rows are leased to other workers; this worker holds IN_FLIGHT of them.
  await store.taskClaim({ owner: "others", limit: BACKGROUND, leaseTtlMs: 3_600_000, now });
  const mine = await store.taskClaim({ owner: "me", limit: IN_FLIGHT, leaseTtlMs: DEFAULTS.leaseTtlMs, now });
  if (mine.length !== IN_FLIGHT) throw new Error("setup");
  await store.workerRegister({ id: "me", host: "bench", pid: process.pid, now });
  const extend = [];
  const beat = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = new Date(now.getTime() + i);
    let t0 = performance.now();
    const held = await store.taskExtendLeases({
      owner: "me",
      leases: mine,
      leaseTtlMs: DEFAULTS.leaseTtlMs,
      now: t,
    });
    extend.push(performance.now() - t0);
    if (held.length !== IN_FLIGHT) throw new Error("lost a lease");
    t0 = performance.now();
    await store.workerHeartbeat({ id: "me", inFlight: IN_FLIGHT, now: t });
    beat.push(performance.now() - t0);
  }
  const r = (xs) => {
    const s = summary(xs);
    return { median: +s.median.toFixed(3), min: +s.min.toFixed(3), max: +s.max.toFixed(3), runs: s.runs };
  };
  const row = { dialect, extendLeasesMs: r(extend), workerHeartbeatMs: r(beat) };
  // Database busy time per second per worker spent on liveness.
  row.busyMsPerSecond = +(
    (row.extendLeasesMs.median + row.workerHeartbeatMs.median) /
    (periodMs / 1000)
  ).toFixed(4);
  out.results.push(row);
  console.log(
    `${dialect.padEnd(8)} extend ${IN_FLIGHT} leases: median ${row.extendLeasesMs.median} ms; worker heartbeat: ${row.workerHeartbeatMs.median} ms; ` +
      `${out.statementsPerSecondPerWorker} statements/s per worker (${row.busyMsPerSecond} ms of DB time per second)`,
  );
  await store.close();
  await db.cleanup();
}
writeResult("heartbeat-cost", out);
