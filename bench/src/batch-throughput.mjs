// Claim → complete throughput of the store itself: each process claims a batch of B rows
// in one statement and completes all of them at once (a tiny result each), with no worker
// loop around it. The ceiling the worker loop can approach. 1 and 2 processes, B = 10 and
// 100, median of repeats. Run: pnpm --filter @holdfast/bench bench:batch
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { freshDatabase, machineInfo, seedReady, summary, writeResult } from "./common.mjs";

const TASKS = Number(process.env.HF_TASKS ?? 20_000);
const REPEATS = Number(process.env.HF_REPEATS ?? 3);
const BATCHES = (process.env.HF_BATCHES ?? "10,100").split(",").map(Number);
const DIALECTS = (process.env.HF_DIALECTS ?? "sqlite,postgres").split(",");
const workerScript = fileURLToPath(new URL("./batch-worker.mjs", import.meta.url));

async function runOnce(dialect, procs, batch) {
  const db = await freshDatabase(dialect);
  await seedReady(db, TASKS);
  const children = Array.from({ length: procs }, () =>
    spawn(process.execPath, [workerScript], {
      env: { ...process.env, HF_URL: db.url, HF_SCHEMA: db.schema ?? "", HF_BATCH: String(batch) },
      stdio: ["pipe", "pipe", "inherit"],
    }),
  );
  const lines = children.map((c) => createInterface({ input: c.stdout })[Symbol.asyncIterator]());
  for (const l of lines) await l.next(); // ready
  const t0 = performance.now();
  for (const c of children) c.stdin.end("go\n");
  const results = await Promise.all(lines.map(async (l) => JSON.parse((await l.next()).value)));
  const wall = performance.now() - t0;
  const done = results.reduce((a, r) => a + r.done, 0);
  const counts = await db.store.taskCounts({ now: new Date() });
  await db.store.close();
  await db.cleanup();
  if (done !== TASKS || counts.byStage.done !== TASKS)
    throw new Error(`lost work: done ${done}, counts ${JSON.stringify(counts)}`);
  return TASKS / (wall / 1000);
}

const rows = [];
for (const dialect of DIALECTS) {
  for (const batch of BATCHES) {
    for (const procs of [1, 2]) {
      const rates = [];
      for (let i = 0; i < REPEATS; i++) rates.push(await runOnce(dialect, procs, batch));
      const s = summary(rates.map((r) => Math.round(r)));
      rows.push({ dialect, processes: procs, batch, tasks: TASKS, tasksPerSecond: s });
      console.log(
        `${dialect.padEnd(8)} ${procs} proc, batch ${String(batch).padStart(3)}: median ${s.median} tasks/s (min ${s.min}, max ${s.max})`,
      );
    }
  }
}
writeResult("batch-throughput", { machine: machineInfo(), at: new Date().toISOString(), rows });
