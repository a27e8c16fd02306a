// One worker process of a comparison: `node worker.mjs <system> <trial JSON> <mode>`.
//   mode noop: no-op tasks. Prints {"ready"}; on "go" starts the system (statement counter
//              reset); on "stop" prints {"statements", "rss"} and exits.
//   mode long: tasks that never finish (until aborted). Starts at once and prints
//              {"event":"started","id"} as each task starts; "count" resets the statement
//              counter, "report" prints {"statements","rss","ms"}. Crash and liveness tests.
// HF_CMP_CONCURRENCY (default 10); HF_CMP_DEFAULTS=1 leaves the concurrency at the system's
// default too.
import { commands, installStatementCounter, say } from "./lib.mjs";
import { SYSTEMS } from "./systems.mjs";

const [name, trialJson, mode] = process.argv.slice(2);
const system = SYSTEMS[name];
const trial = JSON.parse(trialJson);
const concurrency = Number(process.env.HF_CMP_CONCURRENCY ?? 10);
const defaults = process.env.HF_CMP_DEFAULTS === "1";
const counter = installStatementCounter({ sqlite: trial.sqlite === true });
const next = commands();

if (mode === "noop") {
  say({ ready: true });
  await next(); // go
  counter.reset();
  let handled = 0;
  const w = await system.start({
    trial,
    concurrency,
    defaults,
    handler: async () => {
      handled++;
    },
  });
  await next(); // stop
  const statements = counter.snapshot();
  const rss = process.memoryUsage().rss;
  say({ handled, statements, rss });
  await Promise.race([w.stop().catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
  process.exit(0);
} else if (mode === "long") {
  let countedAt = performance.now();
  await system.start({
    trial,
    concurrency,
    defaults,
    handler: (id, signal) => {
      say({ event: "started", id: String(id), t: Date.now() });
      return new Promise((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason)));
    },
  });
  for (;;) {
    const cmd = await next();
    if (cmd === "count") {
      counter.reset();
      countedAt = performance.now();
    } else if (cmd === "report") {
      say({
        statements: counter.snapshot(),
        ms: performance.now() - countedAt,
        rss: process.memoryUsage().rss,
        heapUsed: process.memoryUsage().heapUsed,
      });
    } else if (cmd === "exit") process.exit(0);
  }
} else {
  throw new Error(`mode ${mode}?`);
}
