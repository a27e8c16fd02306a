// Graceful stop: SIGTERM → exit (the parent's "exit" event), idle and busy (one task in
// flight that finishes 200 ms after the signal), for @holdfast/shutdown, close-with-grace and
// a bare node process with a hand-written SIGTERM handler. Same approach as
// packages/shutdown/bench/stop-latency.mjs: spawn, wait for "ready", SIGTERM, time to exit;
// the kinds alternate so drift on the machine hits all alike. Busy runs also check the task
// finished before the exit. Env: HF_CMP_STOP_RUNS (20 per kind and mode).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { writeResult } from "../common.mjs";
import { compareMachineInfo, round, summary } from "./lib.mjs";

const RUNS = Number(process.env.HF_CMP_STOP_RUNS ?? 20);
const child = fileURLToPath(new URL("./stop-child.mjs", import.meta.url));
const KINDS = ["holdfast", "close-with-grace", "bare"];

function once(kind, mode) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, kind, mode], { stdio: ["ignore", "pipe", "inherit"] });
    let sentAt;
    let taskDone = false;
    createInterface({ input: p.stdout }).on("line", (line) => {
      const m = JSON.parse(line);
      if (m.event === "ready" && sentAt === undefined) {
        sentAt = performance.now();
        p.kill("SIGTERM");
      } else if (m.event === "task-done") taskDone = true;
    });
    p.on("exit", (code, signal) => {
      const ms = performance.now() - sentAt;
      if (code !== 0) reject(new Error(`${kind} ${mode}: exit ${code} ${signal}`));
      else if (mode === "busy" && !taskDone) reject(new Error(`${kind}: exited before the task finished`));
      else resolve(ms);
    });
  });
}

const rows = [];
for (const mode of ["idle", "busy"]) {
  const samples = Object.fromEntries(KINDS.map((k) => [k, []]));
  for (let i = 0; i < 2; i++) for (const k of KINDS) await once(k, mode); // warm-up
  for (let i = 0; i < RUNS; i++) for (const k of KINDS) samples[k].push(await once(k, mode));
  for (const k of KINDS) {
    const s = summary(samples[k]);
    const row = {
      kind: k,
      mode,
      ms: { median: round(s.median, 1), min: round(s.min, 1), max: round(s.max, 1), runs: s.runs },
    };
    rows.push(row);
    console.log(
      `${mode} ${k.padEnd(17)} SIGTERM → exit median ${row.ms.median} ms (min ${row.ms.min}, max ${row.ms.max}, ${s.runs} runs)`,
    );
  }
}
writeResult("compare-graceful-stop", {
  machine: compareMachineInfo(),
  at: new Date().toISOString(),
  what: "SIGTERM sent (after the ready line) → exit event in the parent, ms; busy: a task finishing 200 ms after the signal must finish before the exit",
  rows,
});
