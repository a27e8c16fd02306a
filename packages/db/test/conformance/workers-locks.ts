import { describe, expect, it } from "vitest";
import { plus, type StoreHarness, T0 } from "./harness.js";

export function workerAndLockTests(h: StoreHarness): void {
  describe("workers", () => {
    it("registers, heartbeats, is asked to drain, and stops", async () => {
      const { store } = await h.fresh();
      await store.workerRegister({ id: "w1", host: "h1", pid: 11, now: T0 });
      await store.workerRegister({ id: "s1", kind: "scheduler", host: "h2", pid: 22, now: plus(T0, 1) });
      expect(await store.workerHeartbeat({ id: "w1", inFlight: 3, now: plus(T0, 1_000) })).toEqual({
        drainRequested: false,
      });
      const listed = await store.workerList({});
      expect(listed).toMatchObject([
        { id: "w1", kind: "worker", host: "h1", pid: 11, inFlight: 3, draining: false, stoppedAt: null },
        { id: "s1", kind: "scheduler", host: "h2", pid: 22 },
      ]);
      expect(listed[0]?.lastHeartbeatAt).toEqual(plus(T0, 1_000));

      expect(await store.workerRequestDrain({ now: plus(T0, 2_000) })).toBe(2);
      expect(await store.workerHeartbeat({ id: "w1", inFlight: 1, now: plus(T0, 3_000) })).toEqual({
        drainRequested: true,
      });
      expect((await store.workerList({}))[0]?.draining).toBe(true);
      await store.workerStopped({ id: "w1", now: plus(T0, 4_000) });
      expect((await store.workerList({})).map((w) => w.id)).toEqual(["s1"]);
      const all = await store.workerList({ includeStopped: true });
      expect(all.find((w) => w.id === "w1")).toMatchObject({
        stoppedAt: plus(T0, 4_000),
        draining: false,
        inFlight: 0,
      });
      // A worker started after the drain request is not drained by it.
      await store.workerRegister({ id: "w2", host: "h1", pid: 12, now: plus(T0, 5_000) });
      expect(await store.workerHeartbeat({ id: "w2", inFlight: 0, now: plus(T0, 6_000) })).toEqual({
        drainRequested: false,
      });
    });
  });

  describe("locks", () => {
    it("acquire, renew by the holder, refuse others, take over after expiry, release", async () => {
      const { store } = await h.fresh();
      const lock = { name: "recover", ttlMs: 10_000 };
      expect(await store.lockAcquire({ ...lock, owner: "a", now: T0 })).toBe(true);
      expect(await store.lockAcquire({ ...lock, owner: "b", now: plus(T0, 1_000) })).toBe(false);
      expect(await store.lockAcquire({ ...lock, owner: "a", now: plus(T0, 9_000) })).toBe(true);
      expect((await store.lockGet("recover"))?.expiresAt).toEqual(plus(T0, 19_000));
      expect(await store.lockAcquire({ ...lock, owner: "b", now: plus(T0, 18_999) })).toBe(false);
      // The holder crashed and stopped renewing: the lock is free one ttl later, not in 24 h.
      expect(await store.lockAcquire({ ...lock, owner: "b", now: plus(T0, 19_000) })).toBe(true);
      expect((await store.lockGet("recover"))?.owner).toBe("b");
      await store.lockRelease({ name: "recover", owner: "a" });
      expect((await store.lockGet("recover"))?.owner).toBe("b");
      await store.lockRelease({ name: "recover", owner: "b" });
      expect(await store.lockGet("recover")).toBeNull();
    });

    it("two owners racing for a free lock: exactly one wins", async () => {
      const db = await h.fresh();
      const other = await db.openAnother();
      try {
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 ? other : db.store).lockAcquire({ name: "tick", owner: `o${i}`, ttlMs: 60_000, now: T0 }),
          ),
        );
        expect(results.filter(Boolean).length).toBe(1);
      } finally {
        await other.close();
      }
    });
  });
}
