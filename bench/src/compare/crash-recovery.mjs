// Crash recovery latency, every system with its defaults: one long task starts in worker A;
// A is SIGKILLed; worker B is started at once; the time from the kill until the task starts
// again in B. The wait is capped at HF_CMP_CRASH_CAP_S (120 s): graphile-worker 0.17 frees a
// locked job after 4 hours (hard-coded in resetLockedAt) and pg-boss 10 expires an active job
// after expire_in (15 min default) at its next maintenance (every 120 s), so both are "> cap".
// All trials run at once (they are idle waits): HF_REPEATS (3) of each system.
import { fileURLToPath } from "node:url";
import { writeResult } from "../common.mjs";
import { compareMachineInfo, createCompareDb, dropCompareDb, spawnJson, summary } from "./lib.mjs";
import { newTrial, SYSTEMS } from "./systems.mjs";

const REPEATS = Number(process.env.HF_REPEATS ?? 3);
const CAP_MS = Number(process.env.HF_CMP_CRASH_CAP_S ?? 120) * 1000;
const NAMES = (process.env.HF_CMP_CRASH_SYSTEMS ?? "holdfast-pg,holdfast-sqlite,gw-default,boss-b1").split(
  ",",
);
const workerScript = fileURLToPath(new URL("./worker.mjs", import.meta.url));
const env = { HF_CMP_DEFAULTS: "1" };

async function trialRun(name) {
  const system = SYSTEMS[name];
  const trial = newTrial(name);
  await system.setup(trial, 1);
  const a = spawnJson(workerScript, [name, JSON.stringify(trial), "long"], env);
  let b;
  try {
    const first = await a.next();
    if (first.event !== "started") throw new Error(`A: ${JSON.stringify(first)}`);
    const killedAt = performance.now();
    a.child.kill("SIGKILL");
    await a.exited;
    b = spawnJson(workerScript, [name, JSON.stringify(trial), "long"], env);
    const again = await Promise.race([
      b.next().then((m) => ({ m, at: performance.now() })),
      new Promise((r) => setTimeout(() => r(null), CAP_MS)),
    ]);
    if (again && again.m.id !== first.id) throw new Error(`B ran another task ${again.m.id}`);
    return again ? again.at - killedAt : null;
  } finally {
    for (const w of [a, b]) if (w && w.child.exitCode === null) w.child.kill("SIGKILL");
    await system.cleanup(trial);
  }
}

const machine = compareMachineInfo();
await createCompareDb();
const rows = [];
try {
  const all = await Promise.all(
    NAMES.map(async (name) => ({
      name,
      runs: await Promise.all(Array.from({ length: REPEATS }, () => trialRun(name))),
    })),
  );
  for (const { name, runs } of all) {
    const measured = runs.filter((x) => x !== null).map((x) => Math.round(x));
    const row = {
      system: name,
      kind: SYSTEMS[name].kind,
      runs: runs.length,
      overCap: runs.length - measured.length,
      ms: measured.length ? summary(measured) : null,
    };
    rows.push(row);
    console.log(
      `${name.padEnd(16)} ${
        row.ms ? `median ${row.ms.median} ms (min ${row.ms.min}, max ${row.ms.max})` : ""
      }${row.overCap ? ` ${row.overCap}/${row.runs} runs > cap ${CAP_MS / 1000} s` : ""}`,
    );
  }
} finally {
  await dropCompareDb();
}
writeResult("compare-crash-recovery", {
  machine,
  at: new Date().toISOString(),
  capSeconds: CAP_MS / 1000,
  defaults: {
    holdfast:
      "lease ttl 30 s, renewed every 10 s; every worker sweeps expired leases every 10 s (first sweep jittered)",
    "graphile-worker":
      "a locked job is freed when locked_at < now() - 4 hours, checked every 8–10 min (minResetLockedInterval/maxResetLockedInterval) and at start",
    "pg-boss":
      "an active job expires after expire_in (15 min), checked by maintenance every 120 s (maintenanceIntervalSeconds); then retried (retry_limit 2)",
  },
  rows,
});
