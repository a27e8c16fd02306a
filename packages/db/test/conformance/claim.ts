import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { addTasks, plus, ref, type StoreHarness, T0 } from "./harness.js";

const claimer = fileURLToPath(new URL("../fixtures/claimer.mjs", import.meta.url));

export function claimTests(h: StoreHarness): void {
  describe("claim", () => {
    it("adds a row once per source id and says so the second time", async () => {
      const { store } = await h.fresh();
      const first = await store.taskAdd({ sourceId: "abc", data: { path: "a.mp4" }, now: T0 });
      const again = await store.taskAdd({ sourceId: "abc", data: { path: "other.mp4" }, now: T0 });
      expect(first.created).toBe(true);
      expect(again).toEqual({ id: first.id, created: false });
      expect((await store.taskGet(first.id))?.data).toEqual({ path: "a.mp4" });
    });

    it("leases ready rows oldest first, with a fresh token each and the attempt counted", async () => {
      const { store } = await h.fresh();
      const ids = await addTasks(store, 5);
      const claimed = await store.taskClaim({ owner: "w1", limit: 3, leaseTtlMs: 30_000, now: T0 });
      expect(claimed.map((t) => t.id)).toEqual(ids.slice(0, 3));
      expect(new Set(claimed.map((t) => t.leaseToken)).size).toBe(3);
      for (const t of claimed) {
        expect(t).toMatchObject({ leaseOwner: "w1", attempts: 1, stage: "pending" });
        expect(t.leaseExpiresAt).toEqual(plus(T0, 30_000));
      }
      const rest = await store.taskClaim({ owner: "w2", limit: 10, leaseTtlMs: 30_000, now: T0 });
      expect(rest.map((t) => t.id)).toEqual(ids.slice(3));
      expect(await store.taskClaim({ owner: "w3", limit: 10, leaseTtlMs: 30_000, now: T0 })).toEqual([]);
    });

    it("never hands out a leased row again, even after its lease expired (only recovery frees it)", async () => {
      const { store } = await h.fresh();
      await addTasks(store, 1);
      await store.taskClaim({ owner: "w1", limit: 1, leaseTtlMs: 1_000, now: T0 });
      expect(
        await store.taskClaim({ owner: "w2", limit: 1, leaseTtlMs: 1_000, now: plus(T0, 60_000) }),
      ).toEqual([]);
    });

    it("does not claim terminal rows or rows in a working stage", async () => {
      const { store } = await h.fresh();
      const [a, b] = await addTasks(store, 2);
      const [ta, tb] = await store.taskClaim({ owner: "w", limit: 2, leaseTtlMs: 30_000, now: T0 });
      if (!ta || !tb) throw new Error("expected two claims");
      await store.taskAdvance({ ...ref(ta), from: "pending", to: "metadata_extracting", now: T0 });
      await store.taskAdvance({ ...ref(ta), from: "metadata_extracting", to: "processing", now: T0 });
      await store.taskComplete({ ...ref(ta), from: "processing", result: {}, now: T0 });
      await store.taskFail({ ...ref(tb), reason: "broken file", now: T0 });
      expect(await store.taskClaim({ owner: "w", limit: 5, leaseTtlMs: 30_000, now: T0 })).toEqual([]);
      expect((await store.taskGet(a as number))?.stage).toBe("video_analysis_completed");
      expect((await store.taskGet(b as number))?.stage).toBe("failed");
    });

    it("extends a worker's leases in one call and reports which it still holds", async () => {
      const { store } = await h.fresh();
      await addTasks(store, 4);
      const [a, b, c] = await store.taskClaim({ owner: "w1", limit: 3, leaseTtlMs: 1_000, now: T0 });
      const [theirs] = await store.taskClaim({ owner: "w2", limit: 1, leaseTtlMs: 1_000, now: T0 });
      if (!a || !b || !c || !theirs) throw new Error("no claim");
      // c goes back and w1 claims it again: the same owner, a new token.
      await store.taskRelease({ ...ref(c), countAttempt: false, now: T0 });
      const [c2] = await store.taskClaim({ owner: "w1", limit: 1, leaseTtlMs: 1_000, now: T0 });
      expect(c2?.id).toBe(c.id);
      const held = await store.taskExtendLeases({
        owner: "w1",
        leases: [ref(a), ref(b), ref(c), ref(theirs)],
        leaseTtlMs: 1_000,
        now: plus(T0, 900),
      });
      // c's old token and w2's row are not renewed.
      expect(held.map((l) => l.id).sort()).toEqual([a.id, b.id].sort());
      for (const t of [a, b]) expect((await store.taskGet(t.id))?.leaseExpiresAt).toEqual(plus(T0, 1_900));
      for (const t of [c, theirs])
        expect((await store.taskGet(t.id))?.leaseExpiresAt).toEqual(plus(T0, 1_000));
      expect(await store.taskExtendLeases({ owner: "w1", leases: [], leaseTtlMs: 1_000, now: T0 })).toEqual(
        [],
      );
    });

    it("several processes claiming at once never get the same row while it is leased", async () => {
      const db = await h.fresh();
      const n = 300;
      const ids = await addTasks(db.store, n);
      const procs = 4;
      const children = Array.from({ length: procs }, (_, i) =>
        spawn(process.execPath, [claimer], {
          env: {
            ...process.env,
            HF_URL: db.url,
            HF_SCHEMA: db.postgresSchema ?? "",
            HF_OWNER: `proc-${i}`,
            HF_BATCH: "3",
          },
          stdio: ["ignore", "pipe", "inherit"],
        }),
      );
      const claimed: number[] = [];
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve, reject) => {
              createInterface({ input: child.stdout }).on("line", (line) => {
                const msg = JSON.parse(line) as { ids?: number[] };
                if (msg.ids) claimed.push(...msg.ids);
              });
              child.on("error", reject);
              child.on("exit", (code) =>
                code === 0 ? resolve() : reject(new Error(`claimer exited ${code}`)),
              );
            }),
        ),
      );
      expect(claimed.length).toBe(n);
      expect(new Set(claimed).size).toBe(n);
      expect([...claimed].sort((a, b) => a - b)).toEqual(ids);
    });
  });
}
