import { defineStageMachine, IllegalTransitionError } from "@holdfast/core";
import { describe, expect, it } from "vitest";
import { addTasks, plus, ref, type StoreHarness, T0 } from "./harness.js";

/**
 * The store never hard-codes a stage name: a project with other stages gets the same claim,
 * release, recovery and transition checks. "checking" may neither fail nor be released
 * anywhere else.
 */
const machine = defineStageMachine({
  stages: ["new", "working", "checking", "done", "dead"],
  initial: "new",
  transitions: {
    new: ["working", "dead"],
    working: ["checking", "dead"],
    checking: ["done", "working"],
    done: [],
    dead: [],
  },
  terminal: ["done", "dead"],
  ready: ["new"],
  releaseTo: { working: "new" },
  failed: "dead",
  completed: "done",
  legacyStuck: ["working"],
});

export function customMachineTests(h: StoreHarness): void {
  describe("another project's stage machine", () => {
    it("claims its ready stages, releases and recovers to its targets", async () => {
      const { store } = await h.fresh({ machine });
      const [a, b] = await addTasks(store, 2);
      const claimed = await store.taskClaim({ owner: "w", limit: 5, leaseTtlMs: 1_000, now: T0 });
      expect(claimed.map((t) => [t.id, t.stage])).toEqual([
        [a, "new"],
        [b, "new"],
      ]);
      const [ta, tb] = claimed as [(typeof claimed)[0], (typeof claimed)[0]];
      await store.taskAdvance({ ...ref(ta), from: "new", to: "working", now: T0 });
      await store.taskRelease({ ...ref(ta), countAttempt: false, now: T0 });
      expect(await store.taskGet(ta.id)).toMatchObject({ stage: "new", attempts: 0, leaseToken: null });

      await store.taskAdvance({ ...ref(tb), from: "new", to: "working", now: T0 });
      const actions = await store.taskRecoverStuck({ now: plus(T0, 5_000), maxAttempts: 5, actor: "t" });
      expect(actions).toMatchObject([
        { id: tb.id, fromStage: "working", toStage: "new", action: "released" },
      ]);
      const again = await store.taskClaim({ owner: "w", limit: 5, leaseTtlMs: 1_000, now: plus(T0, 5_000) });
      expect(again.map((t) => t.id)).toEqual([a, b]);
    });

    it("a stage with no release target stays put and is not claimable; one that may not fail is refused", async () => {
      const { store } = await h.fresh({ machine });
      const [id] = await addTasks(store, 1);
      const [t] = await store.taskClaim({ owner: "w", limit: 1, leaseTtlMs: 1_000, now: T0 });
      if (!t) throw new Error("no claim");
      await store.taskAdvance({ ...ref(t), from: "new", to: "working", now: T0 });
      await store.taskAdvance({ ...ref(t), from: "working", to: "checking", now: T0 });
      const err = await store.taskFail({ ...ref(t), reason: "no", now: T0 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IllegalTransitionError);
      expect((err as Error).message).toContain("checking → dead");
      expect(await store.taskGet(id as number)).toMatchObject({
        stage: "checking",
        leaseToken: t.leaseToken,
      });

      await store.taskRelease({ ...ref(t), countAttempt: true, now: T0 });
      expect(await store.taskGet(id as number)).toMatchObject({ stage: "checking", leaseToken: null });
      expect(await store.taskClaim({ owner: "w", limit: 1, leaseTtlMs: 1_000, now: T0 })).toEqual([]);
    });
  });
}
