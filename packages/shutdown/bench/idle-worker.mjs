// An idle worker using the package: one hook, a poll timer cleared when the stop begins.
import { createShutdown } from "@holdfast/shutdown";

const shutdown = createShutdown();
const poll = setInterval(() => {}, 60_000);
shutdown.signal.addEventListener("abort", () => clearInterval(poll), { once: true });
shutdown.onStop("close-db", () => {});
process.stdout.write('{"event":"ready"}\n');
