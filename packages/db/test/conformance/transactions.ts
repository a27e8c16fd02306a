import { describe, expect, it } from "vitest";
import { addTasks, ref, type StoreHarness, T0 } from "./harness.js";

export function transactionTests(h: StoreHarness): void {
  describe("transactions", () => {
    it("commits everything written through tx together", async () => {
      const { store } = await h.fresh();
      const [id] = await addTasks(store, 1);
      const [t] = await store.taskClaim({ owner: "w", limit: 1, leaseTtlMs: 30_000, now: T0 });
      if (!t) throw new Error("no claim");
      await store.transaction(async (tx) => {
        await tx.taskAdvance({ ...ref(t), from: "pending", to: "metadata_extracting", now: T0 });
        await tx.auditAppend({ taskId: t.id, event: "note", actor: "test", now: T0 });
      });
      expect((await store.taskGet(id as number))?.stage).toBe("metadata_extracting");
      expect((await store.auditList({ taskId: id as number })).map((e) => e.event)).toEqual(["note"]);
    });

    it("a unit of work that throws halfway leaves nothing behind", async () => {
      const { store } = await h.fresh();
      const [id] = await addTasks(store, 1);
      const [t] = await store.taskClaim({ owner: "w", limit: 1, leaseTtlMs: 30_000, now: T0 });
      if (!t) throw new Error("no claim");
      const boom = new Error("crash between the two writes");
      await expect(
        store.transaction(async (tx) => {
          await tx.taskAdvance({ ...ref(t), from: "pending", to: "metadata_extracting", now: T0 });
          await tx.journalStart({ taskId: t.id, provider: "gemini", model: "m", requestHash: "h", now: T0 });
          await tx.auditAppend({ taskId: t.id, event: "half", actor: "test", now: T0 });
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect((await store.taskGet(id as number))?.stage).toBe("pending");
      expect(await store.auditList({ taskId: id as number })).toEqual([]);
      expect(await store.journalList({ taskId: id as number })).toEqual([]);
      // The store is usable afterwards (no transaction left open).
      await store.taskAdvance({ ...ref(t), from: "pending", to: "metadata_extracting", now: T0 });
      expect((await store.taskGet(id as number))?.stage).toBe("metadata_extracting");
    });

    it("a complete whose fence fails saves no result", async () => {
      const { store } = await h.fresh();
      const [id] = await addTasks(store, 1);
      const [t] = await store.taskClaim({ owner: "w", limit: 1, leaseTtlMs: 30_000, now: T0 });
      if (!t) throw new Error("no claim");
      await store.taskAdvance({ ...ref(t), from: "pending", to: "metadata_extracting", now: T0 });
      await store.taskAdvance({ ...ref(t), from: "metadata_extracting", to: "processing", now: T0 });
      await expect(
        store.taskComplete({
          ...ref(t),
          leaseToken: "not-the-token",
          from: "processing",
          result: { x: 1 },
          now: T0,
        }),
      ).rejects.toThrow();
      expect(await store.taskResult(id as number)).toBeNull();
      expect((await store.taskGet(id as number))?.stage).toBe("processing");
    });
  });
}
