#!/usr/bin/env node
// A plain file that exists before the build, so pnpm can link the bin on a fresh install.
// Its first statements record SIGTERM/SIGINT until the program's own coordinator takes over
// (@holdfast/shutdown, early-signals.ts): loading the modules takes a few hundred ms, and a
// signal in that window must stop the program gracefully, not kill it with 143.
const early = { signals: [], listener: (signal) => early.signals.push(signal) };
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, early.listener);
globalThis[Symbol.for("holdfast.earlySignals")] = early;
await import("../dist/main.js");
