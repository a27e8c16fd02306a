#!/usr/bin/env node
// The chaos driver: `node chaos/src/run.mjs [--dialect sqlite|postgres|both] [--videos N]
// [--seed S] [--workers 4] [--concurrency 2] [--time-limit SECONDS] [--smoke] [--no-pg-restart]
// [--keep] [--quiet]`. Runs against the BUILT packages (`pnpm build` first). See chaos/README.md.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { formatTable } from "./lib/checks.mjs";
import { runScenario } from "./lib/scenario.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const env = process.env;

const { values: args } = parseArgs({
  options: {
    dialect: { type: "string", default: env.CHAOS_DIALECT ?? "both" },
    videos: { type: "string", default: env.CHAOS_VIDEOS },
    seed: { type: "string", default: env.CHAOS_SEED },
    workers: { type: "string", default: env.CHAOS_WORKERS ?? "4" },
    concurrency: { type: "string", default: env.CHAOS_CONCURRENCY ?? "2" },
    "time-limit": { type: "string", default: env.CHAOS_TIME_LIMIT },
    smoke: { type: "boolean", default: env.CHAOS_SMOKE === "1" },
    "no-pg-restart": { type: "boolean", default: false },
    keep: { type: "boolean", default: env.CHAOS_KEEP === "1" },
    quiet: { type: "boolean", default: false },
    root: { type: "string", default: env.CHAOS_ROOT ?? join(here, "../..") },
    "pg-url": {
      type: "string",
      default: env.HOLDFAST_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test",
    },
    results: { type: "string", default: join(here, "../results") },
  },
  strict: true,
});

const smoke = args.smoke;
const int = (name, value) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`chaos: --${name} must be a positive integer, got ${JSON.stringify(value)}`);
    process.exit(2);
  }
  return n;
};
const dialects = args.dialect === "both" ? ["sqlite", "postgres"] : [args.dialect];
if (!dialects.every((d) => d === "sqlite" || d === "postgres")) {
  console.error(`chaos: --dialect must be sqlite, postgres or both, got ${JSON.stringify(args.dialect)}`);
  process.exit(2);
}

const leaseTtlSeconds = 3;
const recoveryEverySeconds = 2;
const base = {
  root: args.root,
  seed: args.seed ?? (smoke ? "smoke-1" : "1"),
  videos: int("videos", args.videos ?? (smoke ? 40 : 300)),
  workers: int("workers", args.workers),
  concurrency: int("concurrency", args.concurrency),
  timeLimitSeconds: int("time-limit", args["time-limit"] ?? (smoke ? 50 : 600)),
  leaseTtlSeconds,
  recoveryEverySeconds,
  graceSeconds: 5,
  maxAttempts: 5,
  respawnDelayMs: 300,
  // The paused worker stays stopped past its lease and past two recovery ticks.
  pauseMs: leaseTtlSeconds * 1000 + 2 * recoveryEverySeconds * 1000 + 2000,
  pauseWeight: smoke ? 0 : 1,
  // Gemini's slowness: every call takes a seeded 200–700 ms.
  latencyMinMs: 200,
  latencyMaxMs: 700,
  firstActionAfterMs: smoke ? 1_000 : 2_000,
  actionGapMs: smoke ? [1_000, 2_500] : [1_000, 3_000],
  maxRecoverySeconds: 20,
  pgRestart: !smoke && !args["no-pg-restart"],
  pgUrl: args["pg-url"],
  keep: args.keep,
  smoke,
};
const say = args.quiet ? () => {} : (msg) => process.stderr.write(`chaos: ${msg}\n`);

async function postgresReachable(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch (err) {
    say(`postgres at ${url.replace(/:[^:@/]*@/, ":***@")} is not reachable: ${err.message}`);
    return false;
  }
}

let passed = 0;
let failed = 0;
let skipped = 0;
mkdirSync(args.results, { recursive: true });
for (const dialect of dialects) {
  if (dialect === "postgres" && !(await postgresReachable(base.pgUrl))) {
    if (env.CI === "true") {
      console.log("chaos postgres: FAILED (no PostgreSQL server, and CI=true)");
      failed++;
    } else {
      console.log("chaos postgres: SKIPPED (no PostgreSQL server; set HOLDFAST_TEST_PG_URL)");
      skipped++;
    }
    continue;
  }
  let report;
  try {
    report = await runScenario({ ...base, dialect, say });
  } catch (err) {
    console.log(`chaos ${dialect}: FAILED to run: ${err.stack ?? err}`);
    failed++;
    continue;
  }
  console.log(formatTable(report));
  console.log("");
  const file = join(args.results, `${smoke ? "smoke-" : ""}${dialect}-${base.seed}.json`);
  const { workDir, ...json } = report;
  writeFileSync(
    file,
    `${JSON.stringify({ ...json, options: { ...base, root: undefined, pgUrl: undefined } }, null, 2)}\n`,
  );
  if (args.keep) say(`${dialect}: work directory kept: ${workDir}`);
  say(`${dialect}: results in ${file}`);
  if (report.passed) passed++;
  else failed++;
}
console.log(`chaos: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
