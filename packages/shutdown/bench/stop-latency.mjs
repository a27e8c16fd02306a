// Benchmark (not a test): how long an idle process takes from SIGTERM to exit.
//   (a) a worker using @holdfast/shutdown (bench/idle-worker.mjs; needs `pnpm build` first)
//   (b) bare `node -e` with a SIGTERM handler that calls process.exit(0)
// Each run: spawn, wait for its "ready" line, SIGTERM, time kill() → "exit" event. The two
// kinds alternate so drift on the machine hits both alike. Writes bench/results.json.
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const RUNS = Number(process.env.RUNS ?? 40);
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
if (!existsSync(here("../dist/index.js"))) {
  console.error("dist/ is missing: run `pnpm --filter @holdfast/shutdown build` first");
  process.exit(1);
}

const kinds = {
  package: [here("idle-worker.mjs")],
  bare: [
    "-e",
    'process.on("SIGTERM", () => process.exit(0)); setInterval(() => {}, 60_000); process.stdout.write(\'{"event":"ready"}\\n\');',
  ],
};

function once(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let sentAt;
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (sentAt === undefined && JSON.parse(line).event === "ready") {
        sentAt = performance.now();
        child.kill("SIGTERM");
      }
    });
    child.on("exit", (code, signal) => {
      const ms = performance.now() - sentAt;
      if (code !== 0) reject(new Error(`exit ${code} ${signal}`));
      else resolve(ms);
    });
  });
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  const r = (x) => Math.round(x * 100) / 100;
  return { runs: s.length, median: r(q(0.5)), p95: r(q(0.95)), min: r(s[0]), max: r(s.at(-1)) };
}

const samples = { package: [], bare: [] };
for (let i = 0; i < 3; i++) for (const args of Object.values(kinds)) await once(args); // warm-up
for (let i = 0; i < RUNS; i++) {
  for (const [kind, args] of Object.entries(kinds)) samples[kind].push(await once(args));
}
const result = {
  what: "idle process: SIGTERM sent (after its ready line) → exit event in the parent, ms",
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  cpus: cpus().length,
  date: new Date().toISOString(),
  package: stats(samples.package),
  bare: stats(samples.bare),
};
result.medianOverheadMs = Math.round((result.package.median - result.bare.median) * 100) / 100;
writeFileSync(here("results.json"), `${JSON.stringify(result, null, 2)}\n`);
console.table({ package: result.package, bare: result.bare });
console.log(`median overhead (package − bare): ${result.medianOverheadMs} ms`);
