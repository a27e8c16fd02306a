// One process of the batch benchmark: the store alone, no worker loop. Claims a batch,
// completes every row of it at once with a tiny result (Postgres group-commits them into
// one statement), and repeats until nothing is ready. Prints {"done":n} at the end.
import { openStore } from "@holdfast/db";
import { benchMachine } from "./common.mjs";

const batch = Number(process.env.HF_BATCH ?? 100);
const owner = `batch-${process.pid}`;
const store = await openStore({
  url: process.env.HF_URL,
  machine: benchMachine,
  ...(process.env.HF_SCHEMA ? { postgresSchema: process.env.HF_SCHEMA } : {}),
});
process.stdout.write('{"ready":true}\n');
await new Promise((r) => process.stdin.once("data", r));
let done = 0;
for (;;) {
  const claimed = await store.taskClaim({ owner, limit: batch, leaseTtlMs: 30_000, now: new Date() });
  if (claimed.length === 0) break;
  const now = new Date();
  await Promise.all(
    claimed.map((t) =>
      store.taskComplete({ id: t.id, leaseToken: t.leaseToken, from: t.stage, result: { ok: true }, now }),
    ),
  );
  done += claimed.length;
}
process.stdout.write(`${JSON.stringify({ done })}\n`);
await store.close();
