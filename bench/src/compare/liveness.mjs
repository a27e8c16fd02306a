// Cost of liveness: statements a worker sends per second while 100 long tasks are in flight
// (nothing else to do), counted inside the worker process (pg's Client#query wrapped), and
// the worker's RSS at that steady state. holdfast renews its leases (one statement for all)
// and heartbeats its worker row every ttl/3, and sweeps every 10 s; graphile-worker 0.17
// keeps no heartbeat (a lock is trusted for 4 hours); pg-boss 10 has none either (active
// jobs expire after expire_in) but runs its maintenance/monitoring timers.
// Each trial: seed 100 tasks, start one worker at concurrency 100, wait until all 100 run,
// count for HF_CMP_LIVENESS_S (60 s). All trials run at once (idle waits): HF_REPEATS (3).
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
} from "./lib.mjs";
import { newTrial, SYSTEMS } from "./systems.mjs";

const REPEATS = Number(process.env.HF_REPEATS ?? 3);
const WINDOW_MS = Number(process.env.HF_CMP_LIVENESS_S ?? 60) * 1000;
const IN_FLIGHT = 100;
const NAMES = (process.env.HF_CMP_LIVENESS_SYSTEMS ?? "holdfast-pg,holdfast-sqlite,gw-default,boss-b1").split(
  ",",
);
const workerScript = fileURLToPath(new URL("./worker.mjs", import.meta.url));

async function trialRun(name) {
  const system = SYSTEMS[name];
  const trial = newTrial(name);
  await system.setup(trial, IN_FLIGHT);
  const w = spawnJson(workerScript, [name, JSON.stringify(trial), "long"], {
    HF_CMP_CONCURRENCY: String(IN_FLIGHT),
  });
  try {
    const ids = new Set();
    while (ids.size < IN_FLIGHT) ids.add((await w.next()).id);
    await sleep(1000);
    w.send("count");
    await sleep(WINDOW_MS);
    w.send("report");
    const r = await w.next();
    return {
      perSecond: r.statements.total / (r.ms / 1000),
      rssMiB: r.rss / 2 ** 20,
      top: r.statements.top,
    };
  } finally {
    if (w.child.exitCode === null) w.child.kill("SIGKILL");
    await w.exited;
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
    const sp = summary(runs.map((r) => r.perSecond));
    const sr = summary(runs.map((r) => r.rssMiB));
    const row = {
      system: name,
      kind: SYSTEMS[name].kind,
      inFlight: IN_FLIGHT,
      windowSeconds: WINDOW_MS / 1000,
      statementsPerSecond: {
        median: round(sp.median, 3),
        min: round(sp.min, 3),
        max: round(sp.max, 3),
        runs: sp.runs,
      },
      rssMiB: { median: round(sr.median, 1), min: round(sr.min, 1), max: round(sr.max, 1), runs: sr.runs },
      topStatements: runs[0].top,
    };
    rows.push(row);
    console.log(
      `${name.padEnd(16)} ${row.statementsPerSecond.median} statements/s per ${IN_FLIGHT} in flight (min ${row.statementsPerSecond.min}, max ${row.statementsPerSecond.max}); rss ${row.rssMiB.median} MiB (min ${row.rssMiB.min}, max ${row.rssMiB.max})`,
    );
  }
} finally {
  await dropCompareDb();
}
writeResult("compare-liveness", { machine, at: new Date().toISOString(), rows });
