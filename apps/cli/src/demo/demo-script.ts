import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { recover, type TaskStore } from "@holdfast/core";
import { CliError } from "../errors.js";
import type { Palette } from "../output/colors.js";
import { HoldfastChild } from "./child-process.js";

/** The demo's knobs, in one place: each number is chosen so that a step has a visible "middle". */
export const DEMO_SETTINGS = Object.freeze({
  /** Each bundled sample is registered this many times under its own source id. */
  copiesPerSample: 2,
  /** Long enough to send SIGTERM while a video is being analysed, short enough to wait for. */
  stopLatencyMs: 1500,
  /** The crashed worker would take a minute: it is killed long before that. */
  crashLatencyMs: 60_000,
  /** Seconds: how soon the crashed worker's lease runs out (production default: 30). */
  crashLeaseTtlSeconds: 2,
  finishLatencyMs: 200,
  finishConcurrency: 3,
  /** How often the demo looks at the database while it waits for the lease to expire. */
  pollMs: 200,
});

const SAMPLES = ["tiny-h264-aac.mp4", "tiny-faststart.mp4", "tiny.mov"];
const ASSETS = fileURLToPath(new URL("../../assets/", import.meta.url));

export interface DemoIo {
  dir: string;
  dbFile: string;
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  colors: Palette;
  openStore: () => Promise<TaskStore>;
}

/** The story the demo tells, step by step, with real `holdfast` processes. */
export async function runDemo(io: DemoIo): Promise<void> {
  const { colors: c, out } = io;
  const started = Date.now();
  let step = 0;
  const heading = (text: string) => {
    out("");
    out(c.bold(`${++step}. ${text}`));
  };
  const say = (text: string) => out(`   ${text}`);
  const start = (args: string[]) => {
    out(`   ${c.cyan(`$ holdfast ${args.join(" ")}`)}`);
    return new HoldfastChild(args, {
      cwd: io.dir,
      env: io.env,
      onLine: (l) => out(`     ${c.dim("│")} ${l}`),
    });
  };
  const run = async (args: string[], expect: number | null = 0, quiet = false) => {
    const child = quiet ? new HoldfastChild(args, { cwd: io.dir, env: io.env }) : start(args);
    const exit = await child.exited;
    if (expect !== null && exit.code !== expect) {
      throw new CliError(
        `demo: \`holdfast ${args.join(" ")}\` exited with ${exit.signal ?? exit.code}, expected ${expect}`,
      );
    }
    return { child, exit };
  };

  out(c.bold("holdfast demo"));
  say(`SQLite database, local storage and the offline analyzer, all in ${io.dir}`);

  heading("Create the database and register the sample videos");
  await run(["migrate"]);
  const files: string[] = [];
  for (const name of SAMPLES) {
    await copyFile(join(ASSETS, name), join(io.dir, name));
    files.push(name);
  }
  await run(["videos", "add", ...files]);
  // More videos make a longer batch: the same samples again, each under its own source id
  // (without one, adding the same file twice is a no-op).
  for (let copy = 2; copy <= DEMO_SETTINGS.copiesPerSample; copy++) {
    for (const name of files)
      await run(["videos", "add", "--source-id", `demo-copy-${copy}-${name}`, name], 0, true);
  }
  const total = files.length * DEMO_SETTINGS.copiesPerSample;
  if (DEMO_SETTINGS.copiesPerSample > 1) {
    say(
      `(and the same ${files.length} again under their own source ids: holdfast videos add --source-id demo-copy-2-… <file>)`,
    );
  }
  say(`${total} videos are pending.`);

  heading("Start a worker, then stop it with SIGTERM in the middle of the batch (a deploy)");
  const worker = start(["analyze", "--offline-latency", String(DEMO_SETTINGS.stopLatencyMs)]);
  await worker.waitFor(/#\d+ completed/);
  const busy = await worker.waitFor(/#\d+ metadata_extracting → processing/, worker.lines.length);
  const busyId = busy.match(/#(\d+)/)?.[1];
  say(c.yellow(`→ sending SIGTERM while video #${busyId} is being analysed`));
  worker.kill("SIGTERM");
  const stopped = await worker.exited;
  if (stopped.code !== 0)
    throw new CliError(`demo: the worker exited with ${stopped.signal ?? stopped.code} after SIGTERM`);
  say(
    c.green(
      `✓ exit code 0. Video #${busyId} was finished, not cut off; the worker claimed nothing new; the rest wait in pending.`,
    ),
  );

  heading("Start another worker and kill it with SIGKILL mid-analysis (a crash: no chance to clean up)");
  const doomed = start([
    "analyze",
    "--offline-latency",
    String(DEMO_SETTINGS.crashLatencyMs),
    "--lease-ttl",
    String(DEMO_SETTINGS.crashLeaseTtlSeconds),
  ]);
  const line = await doomed.waitFor(/#\d+ metadata_extracting → processing/);
  const stuckId = line.match(/#(\d+)/)?.[1];
  say(c.yellow(`→ SIGKILL while video #${stuckId} is in processing`));
  doomed.kill("SIGKILL");
  await doomed.exited;
  say(
    `Killed. Video #${stuckId} is still in processing, held by a worker that no longer exists. Its lease is ` +
      `${DEMO_SETTINGS.crashLeaseTtlSeconds} s (30 s by default) and nobody renews it any more; the seed's rule would have waited an hour.`,
  );

  heading("Wait for the dead worker's lease to run out, then look with `recover --dry-run`");
  const store = await io.openStore();
  try {
    // Waiting on the database itself: the row becomes "stuck" the moment the lease expires.
    while ((await recover(store, { actor: "demo", dryRun: true })).found.length === 0) {
      await sleep(DEMO_SETTINGS.pollMs);
    }
    await run(["recover", "--dry-run"]);
    say("A dry run changes nothing: it shows what recovery would do.");

    heading("Recover (unattended runs say --yes; without it and without a terminal, recover refuses)");
    await run(["recover", "--yes"]);
    say(
      `Video #${stuckId} is back in metadata_extracting; its upload is already verified, so it is not repeated.`,
    );

    heading("Finish every video");
    await run([
      "analyze",
      "--once",
      "--concurrency",
      String(DEMO_SETTINGS.finishConcurrency),
      "--offline-latency",
      String(DEMO_SETTINGS.finishLatencyMs),
    ]);
    const counts = await store.taskCounts({ now: new Date() });
    const done = counts.byStage.video_analysis_completed ?? 0;
    if (done !== total) throw new CliError(`demo: ${done} of ${total} videos completed`);
    say(c.green(`✓ ${done} of ${total} videos analysed, none twice, none lost.`));
  } finally {
    await store.close();
  }

  heading("Health check (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)");
  await run(["health"], 0);

  out("");
  out(c.bold(`Done in ${Math.round((Date.now() - started) / 1000)} s.`));
  say(`Everything is left in ${io.dir}. Look around:`);
  say(c.cyan(`holdfast list --db ${io.dbFile}`));
  say(c.cyan(`holdfast show ${stuckId} --db ${io.dbFile}`));
}
