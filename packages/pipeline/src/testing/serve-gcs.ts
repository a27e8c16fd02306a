#!/usr/bin/env node
// Runs the GCS emulator as its own process (for CLI tests and the chaos suite):
//   node dist/testing/serve-gcs.js [port]      (or PORT=…; 0 or nothing: any free port)
// Prints {"event":"listening","port":N,"url":"…"} on stdout once it accepts connections;
// control it over HTTP (/_emulator/faults, /_emulator/stats, /_emulator/reset).
import { startGcsEmulator } from "./gcs-emulator.js";
import { servePort, serveUntilSignal } from "./serve.js";

const emulator = await startGcsEmulator({ port: servePort(), host: process.env.HOST ?? "127.0.0.1" });
serveUntilSignal("gcs", emulator);
