#!/usr/bin/env node
// The small, seeded chaos run for `pnpm test`: 40 videos on SQLite and on Postgres, a fixed
// seed, no Postgres restart. Prints `chaos: 2 passed, 0 failed` and exits non-zero on failure.
process.argv.push("--smoke");
await import("./run.mjs");
