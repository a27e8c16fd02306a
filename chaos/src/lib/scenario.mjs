import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkRun } from "./checks.mjs";
import { dropPgSchema, openChaosDb } from "./db.mjs";
import { runCommand, sleep, startProcess, stopProcess, waitForListening } from "./proc.mjs";
import { createRng } from "./rng.mjs";
import { makeVideos } from "./videos.mjs";

const CHAOS_SRC = new URL("..", import.meta.url).pathname;
export const COMPLETED = "video_analysis_completed";
export const FAILED = "failed";
const FAKE_GEMINI_KEY = "chaos-fake-gemini-key";

/**
 * One chaos run on one dialect: real emulators, real `holdfast analyze` workers and a real
 * `holdfast-scheduler`, killed, terminated, paused and restarted at seeded random moments
 * until every video is terminal (or the time limit passes); then the checks.
 */
export async function runScenario(opts) {
  const { dialect, seed, root, say } = opts;
  const rng = createRng(`${seed}:${dialect}`);
  const dir = mkdtempSync(join(tmpdir(), `holdfast-chaos-${dialect}-${seed}-`));
  const srcDir = join(dir, "src");
  const inbox = join(dir, "inbox");
  const logs = join(dir, "logs");
  for (const d of [srcDir, inbox, logs]) mkdirSync(d, { recursive: true });
  const holdfast = join(root, "apps/cli/bin/holdfast.js");
  const schedulerBin = join(root, "apps/scheduler/bin/holdfast-scheduler.js");
  const testing = join(root, "packages/pipeline/dist/testing");

  const pgSchema = `chaos_${String(seed).replace(/\W/g, "_")}_${process.pid}`.toLowerCase();
  const databaseUrl =
    dialect === "postgres"
      ? `${opts.pgUrl}${opts.pgUrl.includes("?") ? "&" : "?"}schema=${pgSchema}`
      : join(dir, "holdfast.db");
  if (dialect === "postgres") await dropPgSchema(opts.pgUrl, pgSchema);

  const emulators = [];
  const workersAll = [];
  let scheduler = null;
  const schedulers = [];
  let db = null;
  let finishing = false;
  try {
    // --- emulators -------------------------------------------------------------------------
    const gcs = startProcess({
      name: "gcs-emulator",
      command: process.execPath,
      args: [join(testing, "serve-gcs.js"), "0"],
      env: { ...process.env },
      logFile: join(logs, "gcs.log"),
    });
    emulators.push(gcs);
    const gemini = startProcess({
      name: "gemini-emulator",
      command: process.execPath,
      args: [join(testing, "serve-gemini.js"), "0"],
      env: { ...process.env, GEMINI_EMULATOR_API_KEY: FAKE_GEMINI_KEY },
      logFile: join(logs, "gemini.log"),
    });
    emulators.push(gemini);
    const gcsUrl = (await waitForListening(gcs)).url;
    const geminiUrl = (await waitForListening(gemini)).url;
    const proxy = startProcess({
      name: "gemini-latency",
      command: process.execPath,
      args: [join(CHAOS_SRC, "latency-proxy.mjs"), geminiUrl],
      env: {
        ...process.env,
        CHAOS_SEED: String(seed),
        CHAOS_LATENCY_MIN_MS: String(opts.latencyMinMs),
        CHAOS_LATENCY_MAX_MS: String(opts.latencyMaxMs),
      },
      logFile: join(logs, "gemini-latency.log"),
    });
    emulators.push(proxy);
    const proxyUrl = (await waitForListening(proxy)).url;

    const env = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      HOLDFAST_INBOX_DIR: inbox,
      HOLDFAST_STORAGE: "gcs",
      HOLDFAST_ANALYZER: "gemini",
      HOLDFAST_FFPROBE: "off",
      GCS_BUCKET: "holdfast-chaos",
      GCS_API_ENDPOINT: gcsUrl,
      GEMINI_BASE_URL: proxyUrl,
      GEMINI_API_KEY: FAKE_GEMINI_KEY,
      NO_COLOR: "1",
    };
    delete env.HOLDFAST_PIPELINE_CONFIG;
    delete env.HOLDFAST_SCHEDULER_CONFIG;

    // --- the database and the videos -------------------------------------------------------
    const migrated = await runCommand(process.execPath, [holdfast, "migrate"], { env });
    if (migrated.code !== 0)
      throw new Error(`holdfast migrate failed (${migrated.code}): ${migrated.stderr}`);
    const videos = makeVideos({ root, dir: srcDir, count: opts.videos, seed });
    for (let i = 0; i < videos.length; i += 100) {
      const batch = videos.slice(i, i + 100);
      const added = await runCommand(
        process.execPath,
        [holdfast, "videos", "add", "--json", ...batch.map((v) => v.file)],
        { env },
      );
      if (added.code !== 0) throw new Error(`holdfast videos add failed (${added.code}): ${added.stderr}`);
      const out = JSON.parse(added.stdout);
      for (const [k, row] of out.videos.entries()) {
        const v = batch[k];
        if (!row.created) throw new Error(`video ${v.file} was not created: ${JSON.stringify(row)}`);
        v.id = row.id;
        v.inboxPath = join(out.inbox, row.path);
      }
    }
    db = await openChaosDb({ dialect, root, sqliteFile: databaseUrl, pgUrl: opts.pgUrl, pgSchema });
    if (dialect === "postgres") await installWriteLog(db, pgSchema);
    say(
      `${dialect}: ${videos.length} videos registered; emulators up (gcs ${gcsUrl}, gemini ${geminiUrl} behind ${proxyUrl})`,
    );

    // --- the supervised fleet --------------------------------------------------------------
    const schedulerConfig = join(dir, "scheduler.json");
    writeFileSync(
      schedulerConfig,
      JSON.stringify(
        {
          host: "127.0.0.1",
          port: 0,
          gracePeriodMs: 5_000,
          lockTtlMs: 3_000,
          tickLockTtlMs: 5_000,
          heartbeatIntervalMs: 2_000,
          recovery: {
            schedule: `*/${opts.recoveryEverySeconds} * * * * *`,
            legacyTimeoutMs: null,
            maxAttempts: opts.maxAttempts,
          },
          health: { enabled: false },
        },
        null,
        2,
      ),
    );
    const events = []; // every worker event, { at, type, taskId, slot, gen, workerId }
    const exits = [];
    const spawnWorker = (slot, gen) => {
      const rec = {
        slot,
        gen,
        app: `chaos-w${slot}.${gen}`,
        workerId: null,
        startedAt: Date.now(),
        exit: null,
      };
      rec.proc = startProcess({
        name: `worker ${slot}.${gen}`,
        command: process.execPath,
        args: [
          holdfast,
          "analyze",
          "--concurrency",
          String(opts.concurrency),
          "--lease-ttl",
          String(opts.leaseTtlSeconds),
          "--grace",
          String(opts.graceSeconds),
          "--max-attempts",
          String(opts.maxAttempts),
          "--log-format",
          "json",
        ],
        env: { ...env, PGAPPNAME: rec.app },
        logFile: join(logs, `worker-${slot}.${gen}.log`),
        onLine: (line) => {
          const j = line.json;
          if (!j?.event) return;
          if (j.event === "started") rec.workerId = j.workerId;
          events.push({ at: j.time ?? line.at, type: j.event, taskId: j.taskId, slot, gen, rec, detail: j });
        },
      });
      rec.proc.exited.then((exit) => {
        rec.exit = exit;
        exits.push({ who: `worker ${slot}.${gen}`, ...exit, expected: rec.expectedExit ?? null });
        if (finishing) return;
        setTimeout(() => {
          if (!finishing) workers[slot] = spawnWorker(slot, gen + 1);
        }, opts.respawnDelayMs);
      });
      workersAll.push(rec);
      return rec;
    };
    const spawnScheduler = (gen) => {
      const rec = { gen, startedAt: Date.now(), exit: null, id: null };
      rec.proc = startProcess({
        name: `scheduler ${gen}`,
        command: process.execPath,
        args: [schedulerBin, "--config", schedulerConfig],
        env: { ...env, PGAPPNAME: `chaos-s.${gen}`, HOLDFAST_LOG_LEVEL: "warn" },
        logFile: join(logs, `scheduler-${gen}.log`),
        onLine: (line) => {
          if (line.json?.event === "registered") rec.id = line.json.schedulerId;
        },
      });
      rec.proc.exited.then((exit) => {
        rec.exit = exit;
        exits.push({ who: `scheduler ${gen}`, ...exit, expected: rec.expectedExit ?? null });
        if (finishing) return;
        setTimeout(() => {
          if (!finishing) scheduler = spawnScheduler(gen + 1);
        }, opts.respawnDelayMs);
      });
      schedulers.push(rec);
      return rec;
    };
    const workers = [];
    for (let s = 0; s < opts.workers; s++) workers[s] = spawnWorker(s, 0);
    scheduler = spawnScheduler(0);
    const t0 = Date.now();

    // --- chaos -----------------------------------------------------------------------------
    const actions = [];
    const plan = ["sigkill", "sigterm", "sigstop", "kill-scheduler"];
    if (opts.pgRestart && dialect === "postgres") plan.push("pg-restart");
    const firstActions = rng.shuffle(plan.filter((k) => k !== "pg-restart"));
    const pgRestartAtFraction = rng.between(0.3, 0.6);
    let pgRestartDone = !plan.includes("pg-restart");
    let stopped = null; // { rec, timer }
    const contTimers = new Set();

    /** The rows a worker holds now: [{ id, attempts }]. */
    const leasedBy = async (workerId) => {
      if (!workerId) return [];
      try {
        const rows = await db.query(
          "SELECT id, attempts FROM videos WHERE lease_owner = $1 AND lease_token IS NOT NULL ORDER BY id",
          [workerId],
        );
        return rows.map((r) => ({ id: Number(r.id), attempts: Number(r.attempts) }));
      } catch {
        return [];
      }
    };
    const liveWorkers = () =>
      workers.filter((w) => w && w.exit === null && w !== stopped?.rec && w.workerId !== null);

    /** Returns false when it should be tried again shortly (no worker holds leases yet). */
    async function act(kind, requireBusy) {
      const at = Date.now();
      if (kind === "sigkill" || kind === "sigterm" || kind === "sigstop") {
        const candidates = liveWorkers();
        if (candidates.length === 0) return false;
        // Prefer a worker that holds leases: that is where a crash costs something.
        const held = await Promise.all(candidates.map((w) => leasedBy(w.workerId)));
        // A crash counts the attempt of every row the worker holds, and a row crashed
        // maxAttempts times goes to `failed` by design. The chaos spares rows that are two
        // crashes from that (late in a run one worker may hold the last rows, again and again).
        const spare = (rows) => kind === "sigterm" || rows.every((r) => r.attempts <= opts.maxAttempts - 2);
        const busy = candidates.filter((_, i) => held[i].length > 0 && spare(held[i]));
        if (busy.length === 0 && requireBusy) return false;
        const fair = candidates.filter((_, i) => spare(held[i]));
        if (busy.length === 0 && fair.length === 0) return false;
        const target = rng.pick(busy.length > 0 ? busy : fair);
        const leases = held[candidates.indexOf(target)].map((r) => r.id);
        const action = {
          kind,
          at: Date.now(),
          target: `worker ${target.slot}.${target.gen}`,
          workerId: target.workerId,
          app: target.app,
          held: leases,
        };
        target.expectedExit = kind;
        if (kind === "sigstop") {
          process.kill(target.proc.pid, "SIGSTOP");
          action.at = Date.now();
          const pauseMs = opts.pauseMs;
          stopped = { rec: target, action };
          const timer = setTimeout(() => {
            contTimers.delete(timer);
            try {
              process.kill(target.proc.pid, "SIGCONT");
            } catch {}
            action.contAt = Date.now();
            stopped = null;
          }, pauseMs);
          contTimers.add(timer);
        } else {
          target.proc.child.kill(kind === "sigkill" ? "SIGKILL" : "SIGTERM");
          action.at = Date.now();
        }
        actions.push(action);
        say(
          `${dialect} +${((action.at - t0) / 1000).toFixed(1)}s ${kind} ${action.target} (holding ${leases.length})`,
        );
      } else if (kind === "kill-scheduler") {
        const target = scheduler;
        if (!target || target.exit !== null) return false;
        target.expectedExit = "sigkill";
        target.proc.child.kill("SIGKILL");
        actions.push({ kind, at: Date.now(), target: `scheduler ${target.gen}` });
        say(`${dialect} +${((Date.now() - t0) / 1000).toFixed(1)}s SIGKILL scheduler ${target.gen}`);
      } else if (kind === "pg-restart") {
        const action = { kind, at, target: "postgresql" };
        actions.push(action);
        say(`${dialect} +${((at - t0) / 1000).toFixed(1)}s restarting PostgreSQL`);
        const r = await runCommand("pg_ctlcluster", ["--skip-systemctl-redirect", "15", "main", "restart"]);
        action.doneAt = Date.now();
        action.ok = r.code === 0;
        if (r.code !== 0) action.error = r.stderr.trim();
        say(
          `${dialect} PostgreSQL restart ${action.ok ? "done" : `FAILED: ${action.error}`} in ${action.doneAt - at} ms`,
        );
      }
      return true;
    }

    const remaining = async () => {
      const rows = await db.query(
        `SELECT count(*) AS n FROM videos WHERE stage NOT IN ('${COMPLETED}', '${FAILED}')`,
      );
      return Number(rows[0].n);
    };
    const deadline = t0 + opts.timeLimitSeconds * 1000;
    let nextActionAt = t0 + rng.between(opts.firstActionAfterMs, opts.firstActionAfterMs * 2);
    let left = videos.length;
    let timedOut = false;
    while (true) {
      try {
        left = await remaining();
      } catch {
        // the database restarting: look again shortly
      }
      if (left === 0) break;
      if (Date.now() > deadline) {
        timedOut = true;
        break;
      }
      const done = 1 - left / videos.length;
      if (!pgRestartDone && done >= pgRestartAtFraction) {
        pgRestartDone = true;
        await act("pg-restart");
      } else if (Date.now() >= nextActionAt) {
        const kind =
          firstActions.shift() ??
          rng.weighted({
            sigkill: 4,
            sigterm: 2,
            sigstop: stopped ? 0 : opts.pauseWeight,
            "kill-scheduler": 1,
          });
        // A pause while another is running, or no busy worker yet (for up to 5 s): retry soon.
        const acted =
          kind === "sigstop" && stopped ? false : await act(kind, Date.now() - nextActionAt < 5_000);
        if (acted) nextActionAt = Date.now() + rng.between(opts.actionGapMs[0], opts.actionGapMs[1]);
        else firstActions.unshift(kind);
      }
      await sleep(200);
    }
    const endedAt = Date.now();
    say(
      `${dialect}: ${timedOut ? `TIME LIMIT after ${opts.timeLimitSeconds}s with ${left} not terminal` : "every video terminal"} after ${((endedAt - t0) / 1000).toFixed(1)} s; stopping the fleet`,
    );

    // --- stop the fleet: resume a paused worker first and let it act on what it finds ------
    finishing = true;
    for (const timer of contTimers) clearTimeout(timer);
    if (stopped) {
      try {
        process.kill(stopped.rec.proc.pid, "SIGCONT");
      } catch {}
      stopped.action.contAt = Date.now();
      stopped.action.contAtEnd = true;
      stopped = null;
      await sleep(2_000);
    }
    for (const r of [...workersAll, ...schedulers])
      if (r.exit === null && !r.expectedExit) r.expectedExit = "final-stop";
    await Promise.all([
      ...workers.filter(Boolean).map((w) => stopProcess(w.proc, (opts.graceSeconds + 5) * 1000)),
      scheduler ? stopProcess(scheduler.proc, 10_000) : null,
    ]);
    // Let a respawn timer that fired just before `finishing` exit too.
    await sleep(opts.respawnDelayMs + 100);
    await Promise.all([
      ...workersAll.map((w) => stopProcess(w.proc, 5_000)),
      ...schedulers.map((s) => stopProcess(s.proc, 5_000)),
    ]);

    const gcsStats = await (await fetch(`${gcsUrl}/_emulator/stats`)).json();
    const geminiStats = await (await fetch(`${geminiUrl}/_emulator/stats`)).json();
    const proxyStats = await (await fetch(`${proxyUrl}/_chaos/stats`)).json();

    const report = await checkRun({
      opts,
      db,
      dialect,
      videos,
      gcsUrl,
      bucket: env.GCS_BUCKET,
      events,
      actions,
      workersAll,
      schedulers,
      exits,
      timedOut,
      durationMs: endedAt - t0,
      geminiStats,
      gcsStats,
      proxyStats,
    });
    report.workDir = dir;
    return report;
  } finally {
    finishing = true;
    await Promise.all([
      ...workersAll.map((w) => stopProcess(w.proc, 3_000)),
      ...schedulers.map((s) => stopProcess(s.proc, 3_000)),
    ]);
    await Promise.all(emulators.map((e) => stopProcess(e, 3_000)));
    await db?.close().catch(() => {});
    if (!opts.keep) {
      rmSync(dir, { recursive: true, force: true });
      if (dialect === "postgres") await dropPgSchema(opts.pgUrl, pgSchema).catch(() => {});
    }
  }
}

/**
 * Postgres only: a trigger that records every write to `videos` and `analysis_results` with
 * the writing connection's application_name (each worker process gets its own through
 * PGAPPNAME). That is what ties a write to the process that made it, independently of the
 * process's own account of what it did.
 */
async function installWriteLog(db, schema) {
  await db.query(`CREATE TABLE ${schema}.chaos_writes (
    id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp(),
    app text NOT NULL DEFAULT current_setting('application_name'), tbl text NOT NULL, op text NOT NULL,
    video_id integer, old_stage text, new_stage text, old_owner text, new_owner text)`);
  await db.query(`CREATE FUNCTION ${schema}.chaos_log_video() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO ${schema}.chaos_writes (tbl, op, video_id, old_stage, new_stage, old_owner, new_owner)
      VALUES ('videos', TG_OP, NEW.id, OLD.stage, NEW.stage, OLD.lease_owner, NEW.lease_owner);
      RETURN NEW;
    END $$`);
  await db.query(`CREATE FUNCTION ${schema}.chaos_log_result() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO ${schema}.chaos_writes (tbl, op, video_id) VALUES ('analysis_results', TG_OP, NEW.video_id);
      RETURN NEW;
    END $$`);
  await db.query(
    `CREATE TRIGGER chaos_videos_write AFTER UPDATE ON ${schema}.videos FOR EACH ROW EXECUTE FUNCTION ${schema}.chaos_log_video()`,
  );
  await db.query(
    `CREATE TRIGGER chaos_results_write AFTER INSERT ON ${schema}.analysis_results FOR EACH ROW EXECUTE FUNCTION ${schema}.chaos_log_result()`,
  );
}
