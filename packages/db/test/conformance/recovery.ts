import { recover } from "@holdfast/core";
import { describe, expect, it } from "vitest";
import { addTasks, plus, ref, type StoreHarness, T0 } from "./harness.js";

const HOUR = 3_600_000;

export function recoveryTests(h: StoreHarness): void {
  describe("recovery", () => {
    it("finds expired leases without changing anything (dry run), then releases them with an audit event", async () => {
      const { store } = await h.fresh();
      const ids = await addTasks(store, 3);
      const [dead] = await store.taskClaim({ owner: "dead", limit: 1, leaseTtlMs: 1_000, now: T0 });
      const [live] = await store.taskClaim({ owner: "live", limit: 1, leaseTtlMs: 60_000, now: T0 });
      if (!dead || !live) throw new Error("no claim");
      await store.taskAdvance({ ...ref(dead), from: "pending", to: "metadata_extracting", now: T0 });
      await store.taskAdvance({ ...ref(dead), from: "metadata_extracting", to: "processing", now: T0 });
      const now = plus(T0, 10_000);

      const dry = await recover(store, { actor: "test", now, dryRun: true });
      expect(dry.found).toMatchObject([
        { id: dead.id, kind: "lease_expired", stage: "processing", leaseOwner: "dead", stuckForMs: 9_000 },
      ]);
      expect(dry.actions).toEqual([]);
      expect((await store.taskGet(dead.id))?.leaseOwner).toBe("dead");
      expect(await store.auditList({ taskId: dead.id })).toEqual([]);

      const wet = await recover(store, { actor: "test", now });
      expect(wet.actions).toEqual([
        {
          id: dead.id,
          sourceId: "src-0",
          kind: "lease_expired",
          fromStage: "processing",
          toStage: "metadata_extracting",
          action: "released",
          attempts: 1,
        },
      ]);
      expect(await store.taskGet(dead.id)).toMatchObject({
        stage: "metadata_extracting",
        leaseToken: null,
        attempts: 1,
      });
      expect((await store.taskGet(live.id))?.leaseOwner).toBe("live");
      const audit = await store.auditList({ taskId: dead.id });
      expect(audit).toMatchObject([
        { event: "recovered", actor: "test", fromStage: "processing", toStage: "metadata_extracting" },
      ]);
      // Released rows are ready again; the third row was never touched.
      const next = await store.taskClaim({ owner: "w", limit: 5, leaseTtlMs: 1_000, now });
      expect(next.map((t) => t.id).sort((a, b) => a - b)).toEqual([dead.id, ids[2]]);
    });

    it("moves a row to failed with the reason once its attempts reach maxAttempts", async () => {
      const { store } = await h.fresh();
      const [id] = await addTasks(store, 1);
      let now = T0;
      for (let attempt = 1; attempt <= 3; attempt++) {
        const [t] = await store.taskClaim({ owner: `crash-${attempt}`, limit: 1, leaseTtlMs: 1_000, now });
        expect(t?.attempts).toBe(attempt);
        now = plus(now, 2_000);
        const report = await recover(store, { actor: "test", now, maxAttempts: 3 });
        expect(report.actions[0]?.action).toBe(attempt < 3 ? "released" : "failed");
      }
      const row = await store.taskGet(id as number);
      expect(row?.stage).toBe("failed");
      expect(row?.lastError).toMatch(/lease of crash-3 expired; gave up after 3 attempts/);
      expect(await store.taskClaim({ owner: "w", limit: 1, leaseTtlMs: 1_000, now })).toEqual([]);
      expect((await store.auditList({ taskId: id as number })).map((e) => e.event)).toEqual([
        "recovered",
        "recovered",
        "recovered_failed",
      ]);
    });

    it("legacy mode: rows in processing with no lease and an old updated_at — and only those", async () => {
      const db = await h.fresh();
      const { store } = db;
      const now = plus(T0, 10 * HOUR);
      const old = await db.insertLegacyRow({
        sourceId: "old",
        stage: "processing",
        updatedAt: plus(now, -2 * HOUR),
      });
      const recent = await db.insertLegacyRow({
        sourceId: "recent",
        stage: "processing",
        updatedAt: plus(now, -HOUR / 2),
      });
      const waiting = await db.insertLegacyRow({
        sourceId: "waiting",
        stage: "pending",
        updatedAt: plus(now, -5 * HOUR),
      });
      // A holdfast row in processing holds a lease: a long, healthy analysis (the seed's
      // 1-hour rule would reset it and pay twice).
      const [ours] = await addTasks(store, 1, plus(now, -3 * HOUR), "ours");
      const [t] = await store.taskClaim({
        owner: "slow",
        limit: 1,
        leaseTtlMs: 10 * HOUR,
        now: plus(now, -3 * HOUR),
      });
      if (!t) throw new Error("no claim");
      expect(t.id).toBe(Math.min(waiting, ours as number));
      const leased = t.id;

      const leasesOnly = await recover(store, { actor: "test", now, dryRun: true });
      expect(leasesOnly.found).toEqual([]);
      const dry = await recover(store, { actor: "test", now, dryRun: true, legacyTimeoutMs: HOUR });
      expect(dry.found).toMatchObject([
        { id: old, kind: "legacy_timeout", stage: "processing", stuckForMs: 2 * HOUR },
      ]);
      expect(dry.found.map((f) => f.id)).not.toContain(recent);
      expect(dry.found.map((f) => f.id)).not.toContain(leased);

      const wet = await recover(store, { actor: "cli", now, legacyTimeoutMs: HOUR });
      expect(wet.actions).toMatchObject([
        {
          id: old,
          kind: "legacy_timeout",
          fromStage: "processing",
          toStage: "metadata_extracting",
          action: "released",
        },
      ]);
      expect(await store.taskGet(old)).toMatchObject({ stage: "metadata_extracting", leaseToken: null });
      expect((await store.taskGet(recent))?.stage).toBe("processing");
      expect((await store.taskGet(leased))?.leaseOwner).toBe("slow");
      expect(await store.auditList({ taskId: old })).toMatchObject([{ event: "recovered", actor: "cli" }]);
      // Recovered legacy rows are ready for a holdfast worker.
      const next = await store.taskClaim({ owner: "w", limit: 10, leaseTtlMs: 1_000, now });
      expect(next.map((x) => x.id)).toContain(old);
    });

    it("two recoveries racing change each row once and write one audit event each", async () => {
      const db = await h.fresh();
      const other = await db.openAnother();
      try {
        const n = 40;
        await addTasks(db.store, n);
        await db.store.taskClaim({ owner: "dead", limit: n, leaseTtlMs: 1_000, now: T0 });
        const now = plus(T0, 5_000);
        const [a, b] = await Promise.all([
          recover(db.store, { actor: "a", now, batchSize: 7 }),
          recover(other, { actor: "b", now, batchSize: 7 }),
        ]);
        const changed = [...a.actions, ...b.actions].map((x) => x.id);
        expect(changed.length).toBe(n);
        expect(new Set(changed).size).toBe(n);
        const audit = await db.store.auditList({ limit: 10_000 });
        expect(audit.filter((e) => e.event === "recovered").length).toBe(n);
        for (const id of changed) expect((await db.store.taskGet(id))?.attempts).toBe(1);
      } finally {
        await other.close();
      }
    });
  });
}
