import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TaskStore } from "@holdfast/core";
import { afterEach, describe, expect, it } from "vitest";
import { isJob, type SchedulerProcess, startSchedulerProcess } from "./helpers/scheduler-process.js";
import {
  type Dialect,
  postgres,
  postgresUnavailable,
  sqlite,
  type TestDatabase,
} from "./helpers/test-database.js";
import { startWebhookReceiver } from "./helpers/webhook-receiver.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/tiny-h264-aac.mp4", import.meta.url));
const EVERY_SECOND = "* * * * * *";

const pgSkip = await postgresUnavailable();
const dialects: Array<{ dialect: Dialect; skip: string | null }> = [
  { dialect: sqlite, skip: null },
  { dialect: postgres, skip: pgSkip },
];

/** An inbox with one video row waiting, and the pipeline settings to analyse it offline. */
async function videoWaiting(store: TaskStore, latencyMs: number) {
  const dir = await mkdtemp(join(tmpdir(), "holdfast-scheduler-inbox-"));
  await mkdir(join(dir, "inbox"));
  await mkdir(join(dir, "storage"));
  await copyFile(FIXTURE, join(dir, "inbox", "v.mp4"));
  const { id } = await store.taskAdd({ sourceId: "video-1", data: { path: "v.mp4" }, now: new Date() });
  return {
    id,
    dir,
    env: {
      HOLDFAST_INBOX_DIR: join(dir, "inbox"),
      HOLDFAST_STORAGE: "local",
      HOLDFAST_STORAGE_DIR: join(dir, "storage"),
      HOLDFAST_ANALYZER: "offline",
      HOLDFAST_OFFLINE_LATENCY_MS: String(latencyMs),
      HOLDFAST_FFPROBE: "off",
    },
  };
}

for (const { dialect, skip } of dialects) {
  describe.skipIf(skip !== null)(`scheduler processes on ${dialect.name}`, () => {
    let db: TestDatabase;
    let store: TaskStore | undefined;
    const procs: SchedulerProcess[] = [];
    const dirs: string[] = [];

    const start = (env: Record<string, string>) => {
      const p = startSchedulerProcess({ ...db.env, ...env });
      procs.push(p);
      return p;
    };

    afterEach(async () => {
      for (const p of procs) p.kill("SIGKILL");
      await Promise.all(procs.map((p) => p.exited));
      procs.length = 0;
      await store?.close();
      store = undefined;
      await db?.drop();
      for (const d of dirs) await rm(d, { recursive: true, force: true });
      dirs.length = 0;
    });

    it("two schedulers on one database run each one-second tick once", async () => {
      db = await dialect.create();
      const env = { HOLDFAST_SCHEDULE_HEALTH: EVERY_SECOND };
      const a = start(env);
      const b = start(env);
      await Promise.all([a.port(), b.port()]);
      // A tick both schedulers fired counts once either ran it or skipped it as taken.
      const seen = (e: { event: string; job?: unknown }) =>
        e.job === "health" && (e.event === "job-finished" || e.event === "job-skipped");
      await Promise.all([
        a.waitForCount(seen, 6, "six health ticks"),
        b.waitForCount(seen, 6, "six health ticks"),
      ]);
      a.kill("SIGTERM");
      b.kill("SIGTERM");
      expect((await a.exited).code).toBe(0);
      expect((await b.exited).code).toBe(0);

      store = await db.open();
      const runs = (await store.auditList({ limit: 10_000 })).filter(
        (e) => e.event === "scheduled_run" && e.detail.job === "health",
      );
      const perTick = new Map<string, number>();
      for (const r of runs) perTick.set(String(r.detail.tick), (perTick.get(String(r.detail.tick)) ?? 0) + 1);
      expect(perTick.size).toBeGreaterThanOrEqual(6);
      for (const [tick, n] of perTick) expect({ tick, n }).toEqual({ tick, n: 1 });

      // Every tick both fired: exactly one ran it, the other found it taken.
      const ticksOf = (p: SchedulerProcess) => new Set(p.events.filter(seen).map((e) => String(e.tick)));
      const bTicks = ticksOf(b);
      const both = [...ticksOf(a)].filter((t) => bTicks.has(t));
      expect(both.length).toBeGreaterThanOrEqual(5);
      for (const tick of both) {
        const started = [...a.events, ...b.events].filter(
          (e) => e.event === "job-started" && e.job === "health" && e.tick === tick,
        );
        expect({ tick, runs: started.length }).toEqual({ tick, runs: 1 });
      }
      // Both registered as schedulers, and marked themselves stopped.
      const schedulers = (await store.workerList({ includeStopped: true })).filter(
        (w) => w.kind === "scheduler",
      );
      expect(schedulers).toHaveLength(2);
      expect(schedulers.every((w) => w.stoppedAt !== null)).toBe(true);
    });

    it("SIGKILL the holder of a long-running exclusive job: the other takes over within one ttl", async () => {
      db = await dialect.create();
      store = await db.open();
      const video = await videoWaiting(store, 600_000);
      dirs.push(video.dir);
      const ttlMs = 3_000;
      const env = {
        ...video.env,
        HOLDFAST_SCHEDULE_ANALYSIS: EVERY_SECOND,
        HOLDFAST_SCHEDULER_LOCK_TTL_MS: String(ttlMs),
      };
      const a = start(env);
      const b = start(env);
      await Promise.all([a.port(), b.port()]);
      const first = await Promise.race([
        a.waitFor(isJob("analysis", "job-started"), "analysis started").then(() => a),
        b.waitFor(isJob("analysis", "job-started"), "analysis started").then(() => b),
      ]);
      const other = first === a ? b : a;
      // The other one is locked out while the holder works (and renews).
      const blocked = await other.waitFor(
        (e) => e.event === "job-skipped" && e.job === "analysis" && e.reason === "withoutOverlapping",
        "the other scheduler blocked",
      );
      expect(String(blocked.heldBy)).toContain(
        String(first.events.find((e) => e.event === "registered")?.schedulerId),
      );
      const lock = await store.lockGet("scheduler:analysis");
      expect(lock).not.toBeNull();

      const killedAt = Date.now();
      first.kill("SIGKILL");
      const startedBefore = other.events.filter(isJob("analysis", "job-started")).length;
      const [takeover] = (
        await other.waitForCount(isJob("analysis", "job-started"), startedBefore + 1, "takeover")
      ).slice(-1);
      const tookOverAt = Date.parse(String(takeover?.at));
      // Not before the dead holder's lock expired (it was renewed up to the kill) …
      expect(tookOverAt).toBeGreaterThanOrEqual((lock as { expiresAt: Date }).expiresAt.getTime());
      // … and within one ttl of the kill, plus the one-second tick the takeover waits for and a
      // second of slack for a loaded machine.
      expect(tookOverAt - killedAt).toBeLessThanOrEqual(ttlMs + 1_000 + 1_000);
    });

    it("/readyz turns 503 on SIGTERM, the running job finishes, then exit 0 with the lock released", async () => {
      db = await dialect.create();
      store = await db.open();
      const video = await videoWaiting(store, 4_000);
      dirs.push(video.dir);
      const p = start({ ...video.env, HOLDFAST_SCHEDULE_ANALYSIS: EVERY_SECOND });
      const port = await p.port();
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      await p.waitFor((e) => e.event === "analysis-task" && e.type === "claimed", "the video claimed");
      p.kill("SIGTERM");
      await p.waitFor((e) => e.event === "stopping", "stopping");
      const stopping = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(stopping.status).toBe(503);
      // Liveness stays green while the job finishes: the process is stopping, not broken.
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

      expect((await p.exited).code).toBe(0);
      const finished = p.events.filter(isJob("analysis", "job-finished"));
      expect(finished.at(-1)).toMatchObject({ outcome: "ok", detail: { completed: 1 } });
      expect((await store.taskGet(video.id))?.stage).toBe("video_analysis_completed");
      expect(await store.lockGet("scheduler:analysis")).toBeNull();
      expect(p.events.at(-1)).toEqual({ event: "stopped", exitCode: 0 });
    });

    it("/metrics exposes the task, lock-free and per-job metrics", async () => {
      db = await dialect.create();
      store = await db.open();
      await store.taskAdd({ sourceId: "waiting", data: { path: "x.mp4" }, now: new Date() });
      const p = start({ HOLDFAST_SCHEDULE_HEALTH: EVERY_SECOND });
      const port = await p.port();
      await p.waitFor(isJob("health", "job-finished"), "a health run");
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/plain");
      const text = await res.text();
      for (const line of [
        'holdfast_tasks{stage="pending"} 1',
        "holdfast_tasks_in_flight 0",
        "holdfast_tasks_stuck 0",
        "holdfast_tasks_completed 0",
        "holdfast_tasks_failed 0",
        "holdfast_paid_calls_possibly_charged 0",
        "holdfast_store_up 1",
      ])
        expect(text).toContain(line);
      expect(text).toMatch(/holdfast_scheduler_job_runs_total\{job="health",outcome="ok"\} [1-9]/);
      expect(text).toMatch(
        /holdfast_scheduler_tick_duration_seconds_count\{job="health",outcome="ok"\} [1-9]/,
      );
      expect(text).toContain("# TYPE holdfast_recoveries_total counter");
      expect(text).toContain("# TYPE holdfast_paid_calls_total counter");
      p.kill("SIGTERM");
      expect((await p.exited).code).toBe(0);
    });

    it("the recovery job recovers an expired-lease row unattended, with an audit event", async () => {
      db = await dialect.create();
      store = await db.open();
      const { id } = await store.taskAdd({ sourceId: "crashed", data: { path: "x.mp4" }, now: new Date() });
      // A worker claimed it a minute ago with a 1 s lease and died.
      const [claimed] = await store.taskClaim({
        owner: "dead-worker",
        limit: 1,
        leaseTtlMs: 1_000,
        now: new Date(Date.now() - 60_000),
      });
      expect(claimed?.id).toBe(id);

      const p = start({ HOLDFAST_SCHEDULE_RECOVERY: EVERY_SECOND });
      const run = await p.waitFor(
        (e) => isJob("recovery", "job-finished")(e) && (e.detail as { released?: number })?.released === 1,
        "a recovery that released the row",
      );
      expect(run).toMatchObject({ outcome: "ok", detail: { found: 1, released: 1, failed: 0 } });
      const row = await store.taskGet(id);
      expect(row?.leaseOwner).toBeNull();
      expect(row?.stage).toBe("pending");
      const audit = await store.auditList({ taskId: id });
      expect(audit.some((e) => e.event === "recovered" && e.actor === run.schedulerId)).toBe(true);
      p.kill("SIGTERM");
      expect((await p.exited).code).toBe(0);
    });

    it("health: a check that is not OK is posted to the webhook, whose token is never printed", async () => {
      db = await dialect.create();
      store = await db.open();
      await store.taskAdd({ sourceId: "stuck", data: { path: "x.mp4" }, now: new Date() });
      await store.taskClaim({
        owner: "dead-worker",
        limit: 1,
        leaseTtlMs: 1_000,
        now: new Date(Date.now() - 60_000),
      });
      const hook = await startWebhookReceiver();
      const token = "T000/B000/XXXXSECRETXXXX";
      const p = start({
        HOLDFAST_SCHEDULE_HEALTH: EVERY_SECOND,
        HOLDFAST_ALERT_WEBHOOK: `http://127.0.0.1:${hook.port}/services/${token}`,
        HOLDFAST_LOG_LEVEL: "info",
      });
      const alert = await hook.received;
      expect(alert.path).toBe(`/services/${token}`);
      expect(alert.body.text).toMatch(/^holdfast health WARNING/);
      expect(alert.body.text).toContain("stuck: 1 stuck row(s)");
      const sent = await p.waitFor((e) => e.event === "alert-sent", "alert-sent");
      expect(sent).toMatchObject({
        status: "WARNING",
        webhook: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      });
      p.kill("SIGTERM");
      expect((await p.exited).code).toBe(0);
      expect(JSON.stringify(p.events)).not.toContain("SECRET");
      expect(p.stderr()).not.toContain("SECRET");
    });
  });
}
