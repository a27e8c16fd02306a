// Claim → complete throughput of core's worker loop on each store: N no-op tasks, 1 and 2
// processes × concurrency 10, median of repeats. Run: pnpm --filter @holdfast/bench bench:throughput
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { freshDatabase, machineInfo, summary, writeResult } from "./common.mjs";

const TASKS = Number(process.env.HF_TASKS ?? 5000);
const REPEATS = Number(process.env.HF_REPEATS ?? 3);
const workerScript = fileURLToPath(new URL("./claim-worker.mjs", import.meta.url));

async function seed(store, n) {
  // Seeding is not measured; taskAdd one by one keeps it dialect-neutral.
  const now = new Date();
  await Promise.all(
    Array.from({ length: 8 }, async (_, k) => {
      for (let i = k; i < n; i += 8) await store.taskAdd({ sourceId: `t${i}`, data: {}, now });
    }),
  );
}

async function runOnce(dialect, procs) {
  const db = await freshDatabase(dialect);
  await seed(db.store, TASKS);
  const children = Array.from({ length: procs }, () =>
    spawn(process.execPath, [workerScript], {
      env: { ...process.env, HF_URL: db.url, HF_SCHEMA: db.schema ?? "" },
      stdio: ["pipe", "pipe", "inherit"],
    }),
  );
  const lines = children.map((c) => createInterface({ input: c.stdout })[Symbol.asyncIterator]());
  for (const l of lines) await l.next(); // ready
  const t0 = performance.now();
  for (const c of children) c.stdin.write("go\n");
  const results = await Promise.all(lines.map(async (l) => JSON.parse((await l.next()).value)));
  const wall = performance.now() - t0;
  const done = results.reduce((a, r) => a + r.done, 0);
  const remaining = await db.store.taskCounts({ now: new Date() });
  await db.store.close();
  await db.cleanup();
  if (done !== TASKS || remaining.byStage.done !== TASKS)
    throw new Error(`lost work: done ${done}, counts ${JSON.stringify(remaining)}`);
  return TASKS / (wall / 1000);
}

const rows = [];
for (const dialect of ["sqlite", "postgres"]) {
  for (const procs of [1, 2]) {
    const rates = [];
    for (let i = 0; i < REPEATS; i++) rates.push(await runOnce(dialect, procs));
    const s = summary(rates.map((r) => Math.round(r)));
    rows.push({ dialect, processes: procs, concurrency: 10, tasks: TASKS, tasksPerSecond: s });
    console.log(
      `${dialect.padEnd(8)} ${procs} proc × 10: median ${s.median} tasks/s (min ${s.min}, max ${s.max})`,
    );
  }
}
writeResult("claim-throughput", { machine: machineInfo(), at: new Date().toISOString(), rows });
