// One worker process of the throughput benchmark: core's worker loop with a no-op handler
// (complete at once), fencing and heartbeats on. Prints {"done":n,"ms":t} when nothing is left.
import { createWorker } from "@holdfast/core";
import { openStore } from "@holdfast/db";
import { benchMachine } from "./common.mjs";

const store = await openStore({
  url: process.env.HF_URL,
  machine: benchMachine,
  ...(process.env.HF_SCHEMA ? { postgresSchema: process.env.HF_SCHEMA } : {}),
});
process.stdout.write('{"ready":true}\n');
await new Promise((r) => process.stdin.once("data", r));
const started = performance.now();
const worker = createWorker({
  store,
  machine: benchMachine,
  concurrency: Number(process.env.HF_CONCURRENCY ?? 10),
  prefetch: Number(process.env.HF_PREFETCH ?? 0),
  once: true,
  sweepIntervalMs: 0,
  handler: (ctx) => ctx.complete({}),
});
const stats = await worker.run();
process.stdout.write(`${JSON.stringify({ done: stats.completed, ms: performance.now() - started })}\n`);
await store.close();
process.exit(0);
