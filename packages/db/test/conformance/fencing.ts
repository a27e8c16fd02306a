import { IllegalTransitionError, LeaseLostError } from "@holdfast/core";
import { describe, expect, it } from "vitest";
import { addTasks, plus, ref, type StoreHarness, T0 } from "./harness.js";

export function fencingTests(h: StoreHarness): void {
  describe("fenced writes", () => {
    it("advances, completes with exactly one result, and clears the lease", async () => {
      const { store } = await h.fresh();
      const [id] = await addTasks(store, 1);
      const [t] = await store.taskClaim({ owner: "w", limit: 1, leaseTtlMs: 30_000, now: T0 });
      if (!t) throw new Error("no claim");
      await store.taskAdvance({ ...ref(t), from: "pending", to: "metadata_extracting", now: T0 });
      await store.taskAdvance({
        ...ref(t),
        from: "metadata_extracting",
        to: "processing",
        data: { uri: "gs://b/o" },
        now: T0,
      });
      await store.taskComplete({
        ...ref(t),
        from: "processing",
        result: { summary: "hi" },
        now: plus(T0, 5),
      });
      const row = await store.taskGet(id as number);
      expect(row).toMatchObject({
        stage: "video_analysis_completed",
        leaseToken: null,
        leaseOwner: null,
        data: { uri: "gs://b/o" },
      });
      expect(row?.updatedAt).toEqual(plus(T0, 5));
      expect(await store.taskResult(id as number)).toEqual({ summary: "hi" });
      await expect(
        store.taskComplete({ ...ref(t), from: "processing", result: { summary: "again" }, now: T0 }),
      ).rejects.toThrow(LeaseLostError);
      expect(await store.taskResult(id as number)).toEqual({ summary: "hi" });
    });

    it("rejects a stale token's write after the row was recovered and re-claimed", async () => {
      const { store } = await h.fresh();
      const [id] = await addTasks(store, 1);
      const [old] = await store.taskClaim({ owner: "paused", limit: 1, leaseTtlMs: 1_000, now: T0 });
      if (!old) throw new Error("no claim");
      await store.taskAdvance({ ...ref(old), from: "pending", to: "metadata_extracting", now: T0 });
      await store.taskAdvance({ ...ref(old), from: "metadata_extracting", to: "processing", now: T0 });
      const later = plus(T0, 5_000);
      const actions = await store.taskRecoverStuck({ now: later, maxAttempts: 5, actor: "test" });
      expect(actions).toMatchObject([
        { id, fromStage: "processing", toStage: "metadata_extracting", action: "released" },
      ]);
      const [fresh] = await store.taskClaim({ owner: "new", limit: 1, leaseTtlMs: 30_000, now: later });
      expect(fresh?.id).toBe(id);
      expect(fresh?.leaseToken).not.toBe(old.leaseToken);

      await expect(
        store.taskAdvance({ ...ref(old), from: "metadata_extracting", to: "processing", now: later }),
      ).rejects.toThrow(LeaseLostError);
      await expect(
        store.taskComplete({ ...ref(old), from: "processing", result: { stale: true }, now: later }),
      ).rejects.toThrow(LeaseLostError);
      await expect(store.taskFail({ ...ref(old), reason: "stale", now: later })).rejects.toThrow(
        LeaseLostError,
      );
      await expect(store.taskRelease({ ...ref(old), countAttempt: false, now: later })).rejects.toThrow(
        LeaseLostError,
      );
      const row = await store.taskGet(id as number);
      expect(row).toMatchObject({
        stage: "metadata_extracting",
        leaseOwner: "new",
        leaseToken: fresh?.leaseToken,
      });
      expect(await store.taskResult(id as number)).toBeNull();
    });

    it("throws IllegalTransitionError naming both stages and writes nothing", async () => {
      const { store } = await h.fresh();
      const [id] = await addTasks(store, 1);
      const [t] = await store.taskClaim({ owner: "w", limit: 1, leaseTtlMs: 30_000, now: T0 });
      if (!t) throw new Error("no claim");
      const err = await store
        .taskAdvance({ ...ref(t), from: "pending", to: "video_analysis_completed", now: T0 })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IllegalTransitionError);
      expect((err as Error).message).toContain("pending → video_analysis_completed");
      await expect(store.taskComplete({ ...ref(t), from: "pending", result: {}, now: T0 })).rejects.toThrow(
        IllegalTransitionError,
      );
      expect((await store.taskGet(id as number))?.stage).toBe("pending");
      expect(await store.taskResult(id as number)).toBeNull();
    });

    it("a graceful release gives the attempt back; an error release counts it and keeps the error", async () => {
      const { store } = await h.fresh();
      const [id] = await addTasks(store, 1);
      const [a] = await store.taskClaim({ owner: "w", limit: 1, leaseTtlMs: 30_000, now: T0 });
      if (!a) throw new Error("no claim");
      await store.taskAdvance({ ...ref(a), from: "pending", to: "metadata_extracting", now: T0 });
      await store.taskAdvance({ ...ref(a), from: "metadata_extracting", to: "processing", now: T0 });
      await store.taskRelease({ ...ref(a), countAttempt: false, now: T0 });
      expect(await store.taskGet(id as number)).toMatchObject({
        stage: "metadata_extracting",
        attempts: 0,
        leaseToken: null,
      });
      const [b] = await store.taskClaim({ owner: "w", limit: 1, leaseTtlMs: 30_000, now: T0 });
      if (!b) throw new Error("released row was not ready again");
      await store.taskRelease({ ...ref(b), countAttempt: true, error: "timeout talking to Gemini", now: T0 });
      expect(await store.taskGet(id as number)).toMatchObject({
        attempts: 1,
        lastError: "timeout talking to Gemini",
      });
      const events = (await store.auditList({ taskId: id as number })).map((e) => [
        e.event,
        e.fromStage,
        e.toStage,
      ]);
      expect(events).toEqual([
        ["released", "processing", "metadata_extracting"],
        ["released", "metadata_extracting", "metadata_extracting"],
      ]);
    });

    it("completing a claimed batch at once fences each row on its own", async () => {
      const { store } = await h.fresh();
      await addTasks(store, 5);
      const claimed = await store.taskClaim({ owner: "w", limit: 5, leaseTtlMs: 30_000, now: T0 });
      for (const t of claimed) {
        await store.taskAdvance({ ...ref(t), from: "pending", to: "metadata_extracting", now: T0 });
        await store.taskAdvance({ ...ref(t), from: "metadata_extracting", to: "processing", now: T0 });
      }
      const stale = claimed[2] as (typeof claimed)[0];
      // Completions submitted together (they may share one statement or transaction).
      const outcomes = await Promise.allSettled(
        claimed.map((t) =>
          store.taskComplete({
            id: t.id,
            leaseToken: t === stale ? "stale-token" : t.leaseToken,
            from: "processing",
            result: { n: t.id },
            now: T0,
          }),
        ),
      );
      expect(outcomes.map((o) => o.status)).toEqual([
        "fulfilled",
        "fulfilled",
        "rejected",
        "fulfilled",
        "fulfilled",
      ]);
      expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(LeaseLostError);
      for (const t of claimed) {
        const row = await store.taskGet(t.id);
        if (t === stale) {
          expect(row).toMatchObject({ stage: "processing", leaseToken: t.leaseToken });
          expect(await store.taskResult(t.id)).toBeNull();
        } else {
          expect(row?.stage).toBe("video_analysis_completed");
          expect(await store.taskResult(t.id)).toEqual({ n: t.id });
        }
      }
      const completedEvents = (await store.auditList({})).filter((e) => e.event === "completed");
      expect(completedEvents).toHaveLength(4);
    });

    it("completes a task that has no result: no result row, the move and its audit event all the same", async () => {
      const { store } = await h.fresh();
      const ids = await addTasks(store, 3);
      const claimed = await store.taskClaim({ owner: "w", limit: 3, leaseTtlMs: 30_000, now: T0 });
      const [inTx, grouped, withResult] = claimed;
      if (!inTx || !grouped || !withResult) throw new Error("no claim");
      for (const t of claimed) {
        await store.taskAdvance({ ...ref(t), from: "pending", to: "metadata_extracting", now: T0 });
        await store.taskAdvance({ ...ref(t), from: "metadata_extracting", to: "processing", now: T0 });
      }
      // One inside a transaction (its own statement), two together (group commit).
      await store.transaction((w) => w.taskComplete({ ...ref(inTx), from: "processing", now: T0 }));
      await Promise.all([
        store.taskComplete({ ...ref(grouped), from: "processing", now: T0 }),
        store.taskComplete({ ...ref(withResult), from: "processing", result: { n: 1 }, now: T0 }),
      ]);
      for (const id of ids) expect((await store.taskGet(id))?.stage).toBe("video_analysis_completed");
      expect(await store.taskResult(inTx.id)).toBeNull();
      expect(await store.taskResult(grouped.id)).toBeNull();
      expect(await store.taskResult(withResult.id)).toEqual({ n: 1 });
      const completed = (await store.auditList({})).filter((e) => e.event === "completed");
      expect(completed.map((e) => e.taskId).sort()).toEqual([...ids].sort());
    });

    it("fails a row with the reason, from any stage that may fail", async () => {
      const { store } = await h.fresh();
      const [id] = await addTasks(store, 1);
      const [t] = await store.taskClaim({ owner: "w", limit: 1, leaseTtlMs: 30_000, now: T0 });
      if (!t) throw new Error("no claim");
      await store.taskFail({ ...ref(t), reason: "not a video: no moov box", now: plus(T0, 1) });
      expect(await store.taskGet(id as number)).toMatchObject({
        stage: "failed",
        lastError: "not a video: no moov box",
      });
      expect(await store.taskCountFailedSince({ since: T0 })).toBe(1);
      expect(await store.taskCountFailedSince({ since: plus(T0, 2) })).toBe(0);
    });
  });
}
