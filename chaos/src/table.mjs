#!/usr/bin/env node
// Prints the Markdown table of chaos/README.md from the full runs' JSON in chaos/results/
// (`node chaos/src/run.mjs --seed S` writes them): `node chaos/src/table.mjs`.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const results = join(dirname(fileURLToPath(import.meta.url)), "../results");
const columns = [
  ["dialect", ({ run }) => run.dialect],
  ["seed", ({ run }) => run.seed],
  ["", ({ run }) => (run.passed ? "pass" : "FAIL")],
  ["completed", ({ value: c }) => c("videos completed")],
  ["failed", ({ value: c }) => c("videos failed (with reason)")],
  [
    "results",
    ({ value: c }) => String(c("results: exactly one per completed video")).replace(/ \(\d+\)$/, ""),
  ],
  ["files lost", ({ value: c }) => c("local files deleted without a verified object")],
  [
    "Gemini calls (≤ N + cut off)",
    ({ value: c, check }) =>
      `${c("Gemini calls paid")} (${check("Gemini calls paid").expected.replace(" cut off", "")})`,
  ],
  ["paid again", ({ value: c }) => c("answers saved, then paid for again")],
  [
    "late 2nd answer",
    ({ value: c }) => c("requests with two saved answers (a late save by a paused worker)"),
  ],
  ["paused writes", ({ value: c }) => c("paused worker: writes after its lease was recovered")],
  [
    "re-claim p50/p95/max s",
    ({ value: c }) =>
      String(c("recovery latency crash → re-claim p50/p95/max (s)")).replace(/ \(n=\d+\)$/, ""),
  ],
  [
    "kill/term/stop/sched/pg",
    ({ value: c }) =>
      String(c("chaos: SIGKILL / SIGTERM / SIGSTOP / scheduler kills / pg restarts")).replaceAll(" ", ""),
  ],
  ["s", ({ value: c }) => c("run time (s)")],
];
const lines = [`| ${columns.map(([h]) => h).join(" | ")} |`, `| ${columns.map(() => "---").join(" | ")} |`];
for (const seed of [1, 2, 3]) {
  for (const dialect of ["sqlite", "postgres"]) {
    const file = join(results, `${dialect}-${seed}.json`);
    if (!existsSync(file)) continue;
    const run = JSON.parse(readFileSync(file, "utf8"));
    const check = (name) => {
      const found = run.checks.find((x) => x.name === name);
      if (!found) throw new Error(`${file}: no check "${name}"`);
      return found;
    };
    const value = (name) => check(name).value;
    lines.push(`| ${columns.map(([, f]) => f({ run, value, check })).join(" | ")} |`);
  }
}
console.log(lines.join("\n"));
