// One process of the graceful-stop comparison: `node stop-child.mjs <kind> <idle|busy>`.
//   kind holdfast: @holdfast/shutdown (defaults), a hook and a poll timer cleared when the
//        stop begins (as packages/shutdown/bench/idle-worker.mjs); busy: the task is tracked.
//   kind close-with-grace: closeWithGrace({ delay: 10000 }) whose callback awaits the task.
//   kind bare: process.on("SIGTERM") that awaits the task, then process.exit(0).
// busy: one task in flight that finishes 200 ms after SIGTERM arrives and prints
// {"event":"task-done"}. Prints {"event":"ready"} when set up.
const [kind, mode] = process.argv.slice(2);
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

let task = Promise.resolve();
if (mode === "busy") {
  // Registered first, so it sees the signal whatever the library does with it.
  task = new Promise((resolve) => {
    process.once("SIGTERM", () =>
      setTimeout(() => {
        say({ event: "task-done" });
        resolve();
      }, 200),
    );
  });
}
const poll = setInterval(() => {}, 60_000);

if (kind === "holdfast") {
  const { createShutdown } = await import("@holdfast/shutdown");
  const shutdown = createShutdown();
  shutdown.signal.addEventListener("abort", () => clearInterval(poll), { once: true });
  shutdown.onStop("close-db", () => {});
  if (mode === "busy") void shutdown.track(() => task);
} else if (kind === "close-with-grace") {
  const { default: closeWithGrace } = await import("close-with-grace");
  closeWithGrace({ delay: 10_000, logger: false }, async () => {
    clearInterval(poll);
    await task;
  });
} else if (kind === "bare") {
  process.on("SIGTERM", async () => {
    clearInterval(poll);
    await task;
    process.exit(0);
  });
} else throw new Error(`kind ${kind}?`);
say({ event: "ready" });
