#!/usr/bin/env node
// Runs the Gemini emulator as its own process (for CLI tests and the chaos suite):
//   node dist/testing/serve-gemini.js [port]   (or PORT=…; 0 or nothing: any free port)
// GEMINI_EMULATOR_API_KEY=… makes it refuse other keys. Prints
// {"event":"listening","port":N,"url":"…"} on stdout once it accepts connections; control it
// over HTTP (/_emulator/faults, /_emulator/stats, /_emulator/reset).
import { startGeminiEmulator } from "./gemini-emulator.js";
import { servePort, serveUntilSignal } from "./serve.js";

const apiKey = process.env.GEMINI_EMULATOR_API_KEY;
const emulator = await startGeminiEmulator({
  port: servePort(),
  host: process.env.HOST ?? "127.0.0.1",
  ...(apiKey ? { apiKey } : {}),
});
serveUntilSignal("gemini", emulator);
