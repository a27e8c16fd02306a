import {
  createWorker,
  PermanentError,
  recover,
  type TaskHandler,
  type TaskStore,
  videoStageMachine,
  type WorkerEvent,
} from "@holdfast/core";
import { describe, expect, it } from "vitest";

/**
 * core's worker loop against a real store: leases, heartbeats, fencing, stop and deadline.
 * Tests wait for the worker's own events, never for time.
 */
export function workerLoopTests(makeStore: () => Promise<TaskStore>): void {
  const machine = videoStageMachine;

  async function seed(store: TaskStore, n: number, prefix = "w"): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const { id } = await store.taskAdd({
        sourceId: `${prefix}-${i}-${Math.random()}`,
        data: { i },
        now: new Date(),
      });
      ids.push(id);
    }
    return ids;
  }

  /** Resolves when the predicate matches an event; collects every event. */
  function events() {
    const seen: WorkerEvent[] = [];
    const waiters: { match: (e: WorkerEvent) => boolean; resolve: (e: WorkerEvent) => void }[] = [];
    return {
      seen,
      on(e: WorkerEvent) {
        seen.push(e);
        for (const w of [...waiters]) {
          if (w.match(e)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(e);
          }
        }
      },
      next(match: (e: WorkerEvent) => boolean): Promise<WorkerEvent> {
        const hit = seen.find(match);
        if (hit) return Promise.resolve(hit);
        return new Promise((resolve) => waiters.push({ match, resolve }));
      },
    };
  }

  const walk: TaskHandler = async (ctx) => {
    if (ctx.task.stage === "pending") await ctx.advance("metadata_extracting");
    await ctx.advance("processing", { ...ctx.task.data, walked: true });
    await ctx.complete({ summary: `task ${ctx.task.id}` });
  };

  /** A handler that parks every task until the test lets it go. */
  function gate() {
    let open!: () => void;
    const opened = new Promise<void>((r) => {
      open = r;
    });
    return { open, opened };
  }

  /** The store with some of its methods replaced; every other call passes through. */
  function intercept(store: TaskStore, overrides: Partial<TaskStore>): TaskStore {
    return new Proxy(store, {
      get: (target, key, receiver) =>
        key in overrides ? overrides[key as keyof TaskStore] : Reflect.get(target, key, receiver),
    });
  }

  describe("worker loop (core) on this store", () => {
    it("runs every ready row to completion with one result each, then stops with once", async () => {
      const store = await makeStore();
      const ids = await seed(store, 12);
      const worker = createWorker({
        store,
        machine,
        handler: walk,
        concurrency: 4,
        once: true,
        sweepIntervalMs: 0,
      });
      const stats = await worker.run();
      expect(stats).toMatchObject({ claimed: 12, completed: 12, failed: 0, released: 0, leaseLost: 0 });
      for (const id of ids) {
        const row = await store.taskGet(id);
        expect(row?.stage).toBe("video_analysis_completed");
        expect(row?.leaseToken).toBeNull();
        expect(row?.data).toMatchObject({ walked: true });
        expect(await store.taskResult(id)).toEqual({ summary: `task ${id}` });
      }
      const workers = await store.workerList({ includeStopped: true });
      expect(workers.find((w) => w.id === worker.id)?.stoppedAt).not.toBeNull();
    });

    it("stops claiming at the stop signal and lets in-flight work finish", async () => {
      const store = await makeStore();
      const ids = await seed(store, 6);
      const stop = new AbortController();
      const g = gate();
      const ev = events();
      const worker = createWorker({
        store,
        machine,
        concurrency: 2,
        sweepIntervalMs: 0,
        stopSignal: stop.signal,
        onEvent: ev.on,
        handler: async (ctx) => {
          await g.opened;
          await walk(ctx);
        },
      });
      const running = worker.run();
      await ev.next((e) => e.type === "claimed");
      await ev.next((e) => e.type === "claimed" && ev.seen.filter((x) => x.type === "claimed").length === 2);
      stop.abort();
      await ev.next((e) => e.type === "stopping");
      g.open();
      const stats = await running;
      expect(stats).toMatchObject({ claimed: 2, completed: 2 });
      const stages = await Promise.all(ids.map(async (id) => (await store.taskGet(id))?.stage));
      expect(stages.filter((s) => s === "video_analysis_completed")).toHaveLength(2);
      expect(stages.filter((s) => s === "pending")).toHaveLength(4);
      expect((await store.taskCounts({ now: new Date() })).inFlight).toBe(0);
    });

    it("at the deadline aborts in-flight work and releases it uncounted to the release target", async () => {
      const store = await makeStore();
      const [id] = await seed(store, 1);
      const deadline = new AbortController();
      const ev = events();
      const worker = createWorker({
        store,
        machine,
        sweepIntervalMs: 0,
        abortSignal: deadline.signal,
        onEvent: ev.on,
        handler: async (ctx) => {
          await ctx.advance("metadata_extracting");
          await ctx.advance("processing");
          await new Promise((_, reject) => {
            const fail = () => reject(ctx.signal.reason);
            if (ctx.signal.aborted) fail();
            else ctx.signal.addEventListener("abort", fail, { once: true });
          });
        },
      });
      const running = worker.run();
      await ev.next((e) => e.type === "advanced" && e.to === "processing");
      deadline.abort();
      const stats = await running;
      expect(stats).toMatchObject({ claimed: 1, released: 1, completed: 0 });
      const row = await store.taskGet(id as number);
      expect(row?.stage).toBe("metadata_extracting");
      expect(row?.leaseToken).toBeNull();
      expect(row?.attempts).toBe(0);
      expect(ev.seen).toContainEqual({ type: "released", taskId: id, counted: false, reason: "deadline" });
    });

    it("renews its leases while a task outlives the lease ttl, so nothing counts it stuck", async () => {
      const store = await makeStore();
      const [id] = await seed(store, 1);
      const ttl = 600;
      const ev = events();
      let renewals = 0;
      const worker = createWorker({
        store,
        machine,
        leaseTtlMs: ttl,
        sweepIntervalMs: 0,
        once: true,
        onEvent: ev.on,
        handler: async (ctx) => {
          // Work for longer than two lease ttls, watching the lease move forward.
          let last = (await store.taskGet(ctx.task.id))?.leaseExpiresAt?.getTime() ?? 0;
          const firstExpiry = last;
          while (renewals < 3) {
            await new Promise((r) => setTimeout(r, ttl / 6));
            const now = (await store.taskGet(ctx.task.id))?.leaseExpiresAt?.getTime() ?? 0;
            if (now > last) {
              renewals++;
              last = now;
            }
          }
          expect(Date.now()).toBeGreaterThan(firstExpiry);
          const report = await recover(store, { actor: "test", now: new Date() });
          expect(report.found).toEqual([]);
          await walk(ctx);
        },
      });
      const stats = await worker.run();
      expect(renewals).toBe(3);
      expect(stats.completed).toBe(1);
      expect((await store.taskGet(id as number))?.stage).toBe("video_analysis_completed");
    });

    it("drops the work without writing once its lease was recovered and re-claimed elsewhere", async () => {
      const store = await makeStore();
      const [id] = await seed(store, 1);
      const g = gate();
      const ev = events();
      const worker = createWorker({
        store,
        machine,
        leaseTtlMs: 60_000,
        sweepIntervalMs: 0,
        once: true,
        onEvent: ev.on,
        handler: async (ctx) => {
          await ctx.advance("metadata_extracting");
          await ctx.advance("processing");
          await g.opened;
          await ctx.complete({ summary: "from the worker that lost its lease" });
        },
      });
      const running = worker.run();
      await ev.next((e) => e.type === "advanced" && e.to === "processing");
      // As if this worker were paused past its lease: recovery and another worker move on.
      const later = new Date(Date.now() + 120_000);
      const report = await recover(store, { actor: "test", now: later });
      expect(report.actions).toMatchObject([{ id, action: "released", toStage: "metadata_extracting" }]);
      const [other] = await store.taskClaim({ owner: "other", limit: 1, leaseTtlMs: 60_000, now: later });
      expect(other?.id).toBe(id);
      g.open();
      const stats = await running;
      expect(stats).toMatchObject({ leaseLost: 1, completed: 0 });
      const row = await store.taskGet(id as number);
      expect(row?.leaseOwner).toBe("other");
      expect(row?.stage).toBe("metadata_extracting");
      expect(await store.taskResult(id as number)).toBeNull();
    });

    it("releases a failed attempt with the attempt counted, and fails the row after maxAttempts", async () => {
      const store = await makeStore();
      const [id] = await seed(store, 1);
      const ev = events();
      const worker = createWorker({
        store,
        machine,
        maxAttempts: 3,
        sweepIntervalMs: 0,
        once: true,
        onEvent: ev.on,
        handler: async () => {
          throw new Error("the analyzer said no");
        },
      });
      const stats = await worker.run();
      expect(stats).toMatchObject({ claimed: 3, released: 2, failed: 1 });
      const row = await store.taskGet(id as number);
      expect(row?.stage).toBe("failed");
      expect(row?.attempts).toBe(3);
      expect(row?.lastError).toContain("the analyzer said no");
    });

    it("fails a row at once on a PermanentError", async () => {
      const store = await makeStore();
      const [id] = await seed(store, 1);
      const worker = createWorker({
        store,
        machine,
        sweepIntervalMs: 0,
        once: true,
        handler: async (ctx) => {
          await ctx.advance("metadata_extracting");
          throw new PermanentError("not a video: no moov box");
        },
      });
      expect(await worker.run()).toMatchObject({ claimed: 1, failed: 1, released: 0 });
      const row = await store.taskGet(id as number);
      expect(row?.stage).toBe("failed");
      expect(row?.lastError).toContain("not a video");
    });

    it("counts a handler that returns without completing as a failed attempt", async () => {
      const store = await makeStore();
      const [id] = await seed(store, 1);
      const worker = createWorker({ store, machine, sweepIntervalMs: 0, limit: 1, handler: async () => {} });
      expect(await worker.run()).toMatchObject({ claimed: 1, released: 1 });
      const row = await store.taskGet(id as number);
      expect(row?.attempts).toBe(1);
      expect(row?.lastError).toMatch(/returned without completing/);
    });

    it("prefetches rows ahead of free slots, and gives unstarted ones back uncounted on stop", async () => {
      const store = await makeStore();
      const ids = await seed(store, 10);
      const stop = new AbortController();
      const g = gate();
      const ev = events();
      const worker = createWorker({
        store,
        machine,
        concurrency: 2,
        prefetch: 3,
        sweepIntervalMs: 0,
        stopSignal: stop.signal,
        onEvent: ev.on,
        handler: async (ctx) => {
          await g.opened;
          await walk(ctx);
        },
      });
      const running = worker.run();
      await ev.next((e) => e.type === "claimed" && ev.seen.filter((x) => x.type === "claimed").length === 2);
      // Two running, three more leased and waiting: five rows held by this worker.
      const held = async () => (await store.taskCounts({ now: new Date() })).inFlight;
      while ((await held()) < 5) await new Promise((r) => setImmediate(r));
      expect(await held()).toBe(5);
      stop.abort();
      await ev.next((e) => e.type === "stopping");
      g.open();
      expect(await running).toMatchObject({ claimed: 2, completed: 2 });
      const rows = await Promise.all(ids.map((id) => store.taskGet(id)));
      expect(rows.filter((r) => r?.stage === "video_analysis_completed")).toHaveLength(2);
      const waiting = rows.filter((r) => r?.stage === "pending");
      expect(waiting).toHaveLength(8);
      for (const r of waiting) expect(r).toMatchObject({ attempts: 0, leaseToken: null });
      expect((await store.taskCounts({ now: new Date() })).inFlight).toBe(0);
    });

    it("claims in batches with prefetch: one claim per used-up prefetch, not one per finished row", async () => {
      const store = await makeStore();
      const ids = await seed(store, 40);
      const limits: number[] = [];
      const spy = intercept(store, {
        taskClaim: (p) => {
          limits.push(p.limit);
          return store.taskClaim(p);
        },
      });
      const worker = createWorker({
        store: spy,
        machine,
        concurrency: 2,
        prefetch: 8,
        sweepIntervalMs: 0,
        once: true,
        handler: walk,
      });
      expect(await worker.run()).toMatchObject({ claimed: 40, completed: 40 });
      // It claims again only once at most 2 prefetched rows (one round of slots) are left,
      // with 2 slots busy at most: every claim asks for at least 10 - 2 - 2 = 6 rows. Once one finds nothing, the
      // rows still finishing do not each send another.
      expect(Math.min(...limits)).toBeGreaterThanOrEqual(6);
      expect(limits.length).toBeLessThanOrEqual(9);
      const rows = await Promise.all(ids.map((id) => store.taskGet(id)));
      expect(rows.every((r) => r?.stage === "video_analysis_completed")).toBe(true);
    });

    it("starts the next row while a completion is being written: complete() frees the slot", async () => {
      const store = await makeStore();
      const [first, second] = await seed(store, 2);
      const held = gate();
      const ev = events();
      const spy = intercept(store, {
        taskComplete: async (p) => {
          if (p.id === first) await held.opened;
          return store.taskComplete(p);
        },
      });
      const worker = createWorker({
        store: spy,
        machine,
        concurrency: 1,
        sweepIntervalMs: 0,
        pollIntervalMs: 10,
        limit: 2,
        onEvent: ev.on,
        handler: walk,
      });
      const running = worker.run();
      // The first row's completion is held; the second row still gets claimed and finished.
      await ev.next((e) => e.type === "completed" && e.taskId === second);
      expect(ev.seen.some((e) => e.type === "completed" && e.taskId === first)).toBe(false);
      held.open();
      expect(await running).toMatchObject({ claimed: 2, completed: 2 });
      expect((await store.taskGet(first as number))?.stage).toBe("video_analysis_completed");
    });

    it("does not count a row claimed while a heartbeat was on its way as lost", async () => {
      const store = await makeStore();
      const [first] = await seed(store, 1);
      const extendHeld = gate();
      const extending = gate();
      const beaten = gate();
      const work = gate();
      const ev = events();
      const spy = intercept(store, {
        taskExtendLeases: async (p) => {
          extending.open();
          await extendHeld.opened;
          return store.taskExtendLeases(p);
        },
        workerHeartbeat: async (p) => {
          beaten.open();
          return store.workerHeartbeat(p);
        },
      });
      const worker = createWorker({
        store: spy,
        machine,
        concurrency: 2,
        leaseTtlMs: 600,
        pollIntervalMs: 10,
        sweepIntervalMs: 0,
        limit: 2,
        onEvent: ev.on,
        handler: async (ctx) => {
          await work.opened;
          await walk(ctx);
        },
      });
      const running = worker.run();
      await ev.next((e) => e.type === "claimed" && e.taskId === first);
      await extending.opened; // the heartbeat has named its leases (only the first row) and waits
      const [second] = await seed(store, 1, "late");
      await ev.next((e) => e.type === "claimed" && e.taskId === second);
      extendHeld.open();
      await beaten.opened; // the extend's answer has been judged
      work.open();
      expect(await running).toMatchObject({ claimed: 2, completed: 2, leaseLost: 0 });
      expect(ev.seen.filter((e) => e.type === "lease-lost")).toEqual([]);
    });

    it("stops after its current work when a drain is requested through the database", async () => {
      const store = await makeStore();
      await seed(store, 3);
      const ev = events();
      const g = gate();
      const worker = createWorker({
        store,
        machine,
        leaseTtlMs: 300,
        sweepIntervalMs: 0,
        onEvent: ev.on,
        handler: async (ctx) => {
          await g.opened;
          await walk(ctx);
        },
      });
      const running = worker.run();
      await ev.next((e) => e.type === "claimed");
      expect(await store.workerRequestDrain({ now: new Date() })).toBeGreaterThanOrEqual(1);
      await ev.next((e) => e.type === "drain-requested");
      g.open();
      const stats = await running;
      expect(stats).toMatchObject({ claimed: 1, completed: 1 });
      expect(ev.seen).toContainEqual(expect.objectContaining({ type: "stopping", reason: "drain" }));
    });

    it("sweeps expired leases itself, so a crashed worker's row comes back without the scheduler", async () => {
      const store = await makeStore();
      const [id] = await seed(store, 1);
      // A worker that died holding the row: its lease expires at once.
      const [dead] = await store.taskClaim({
        owner: "dead",
        limit: 1,
        leaseTtlMs: 1,
        now: new Date(Date.now() - 1000),
      });
      expect(dead?.id).toBe(id);
      const ev = events();
      const worker = createWorker({
        store,
        machine,
        sweepIntervalMs: 50,
        pollIntervalMs: 20,
        onEvent: ev.on,
        handler: walk,
      });
      const running = worker.run();
      await ev.next((e) => e.type === "completed" && e.taskId === id);
      worker.stop();
      expect((await running).completed).toBe(1);
      expect(ev.seen).toContainEqual({ type: "recovered", count: 1 });
      const audit = await store.auditList({ taskId: id as number });
      expect(audit.map((a) => a.event)).toContain("recovered");
    });
  });
}
