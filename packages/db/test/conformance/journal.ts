import { describe, expect, it } from "vitest";
import { addTasks, plus, type StoreHarness, T0 } from "./harness.js";

export function journalTests(h: StoreHarness): void {
  describe("paid-call journal", () => {
    it("records started → succeeded with the raw response, and finds it for reuse", async () => {
      const { store } = await h.fresh();
      const [id] = await addTasks(store, 1);
      const taskId = id as number;
      const e = await store.journalStart({
        taskId,
        provider: "gemini",
        model: "m1",
        requestHash: "h1",
        now: T0,
      });
      expect(e).toMatchObject({
        taskId,
        provider: "gemini",
        model: "m1",
        requestHash: "h1",
        status: "started",
        response: null,
      });
      expect(await store.journalCountPossiblyCharged()).toBe(1);
      expect(await store.journalFindSucceeded({ taskId, requestHash: "h1" })).toBeNull();
      await store.journalSucceed({ id: e.id, response: '{"raw":"answer"}', now: plus(T0, 10) });
      expect(await store.journalCountPossiblyCharged()).toBe(0);
      const found = await store.journalFindSucceeded({ taskId, requestHash: "h1" });
      expect(found).toMatchObject({ id: e.id, status: "succeeded", response: '{"raw":"answer"}' });
      expect(found?.finishedAt).toEqual(plus(T0, 10));
      expect(await store.journalFindSucceeded({ taskId, requestHash: "other" })).toBeNull();
    });

    it("a failed call is not possibly charged; an unanswered one stays counted", async () => {
      const { store } = await h.fresh();
      const [id] = await addTasks(store, 1);
      const taskId = id as number;
      const a = await store.journalStart({
        taskId,
        provider: "gemini",
        model: "m",
        requestHash: "h",
        now: T0,
      });
      await store.journalFail({ id: a.id, error: "HTTP 429", now: T0 });
      await store.journalStart({ taskId, provider: "gemini", model: "m", requestHash: "h", now: T0 });
      expect(await store.journalCountPossiblyCharged()).toBe(1);
      expect((await store.journalList({ taskId })).map((e) => e.status)).toEqual(["failed", "started"]);
      expect(await store.journalList({ taskId, status: "failed" })).toMatchObject([{ error: "HTTP 429" }]);
      // An entry is finished once: a late second answer cannot overwrite the first.
      await expect(store.journalSucceed({ id: a.id, response: "late", now: T0 })).rejects.toThrow(
        /not a started call/,
      );
    });

    it("journal writes are not fenced: a response arriving after the lease was lost is kept", async () => {
      const { store } = await h.fresh();
      const [id] = await addTasks(store, 1);
      const [t] = await store.taskClaim({ owner: "w", limit: 1, leaseTtlMs: 1_000, now: T0 });
      if (!t) throw new Error("no claim");
      const e = await store.journalStart({
        taskId: t.id,
        provider: "gemini",
        model: "m",
        requestHash: "h",
        now: T0,
      });
      await store.taskRecoverStuck({ now: plus(T0, 5_000), maxAttempts: 5, actor: "test" });
      await store.journalSucceed({ id: e.id, response: "paid for", now: plus(T0, 6_000) });
      expect((await store.journalFindSucceeded({ taskId: id as number, requestHash: "h" }))?.response).toBe(
        "paid for",
      );
    });
  });
}
