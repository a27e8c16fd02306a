import { describe, expect, it } from "vitest";
import { GroupCommit } from "./group-commit.js";

/** A flush the test releases by hand, recording every batch it was given. */
function controlledFlush() {
  const batches: number[][] = [];
  const pending: (() => void)[] = [];
  let arrived: () => void = () => {};
  return {
    batches,
    flush: (inputs: number[]) => {
      batches.push(inputs);
      arrived();
      return new Promise<(number | Error)[]>((resolve) => {
        pending.push(() => resolve(inputs.map((n) => (n < 0 ? new Error(`bad ${n}`) : n * 10))));
      });
    },
    /** Resolves once a flush has started. */
    nextFlush: () =>
      new Promise<void>((r) => {
        arrived = r;
      }),
    release: () => pending.shift()?.(),
  };
}

describe("GroupCommit", () => {
  it("sends the calls made in one tick as one batch", async () => {
    const f = controlledFlush();
    const g = new GroupCommit(f.flush);
    const started = f.nextFlush();
    const results = Promise.all([1, 2, 3].map((n) => g.submit(n)));
    await started;
    f.release();
    expect(await results).toEqual([10, 20, 30]);
    expect(f.batches).toEqual([[1, 2, 3]]);
  });

  it("calls that arrive while a batch is in flight go together as the next one", async () => {
    const f = controlledFlush();
    const g = new GroupCommit(f.flush);
    let started = f.nextFlush();
    const first = g.submit(1);
    await started;
    started = f.nextFlush();
    const later = [g.submit(2), g.submit(3), g.submit(4)];
    f.release();
    await started;
    f.release();
    expect(await Promise.all([first, ...later])).toEqual([10, 20, 30, 40]);
    expect(f.batches).toEqual([[1], [2, 3, 4]]);
  });

  it("an Error outcome rejects only its own call; a failed flush rejects the whole batch", async () => {
    const f = controlledFlush();
    const g = new GroupCommit(f.flush);
    const started = f.nextFlush();
    const ok = g.submit(1);
    const bad = g.submit(-1);
    await started;
    f.release();
    await expect(ok).resolves.toBe(10);
    await expect(bad).rejects.toThrow("bad -1");

    const boom = new Error("connection lost");
    const failing = new GroupCommit<number, number>(() => Promise.reject(boom));
    const all = await Promise.allSettled([failing.submit(1), failing.submit(2)]);
    expect(all).toEqual([
      { status: "rejected", reason: boom },
      { status: "rejected", reason: boom },
    ]);
  });

  it("splits a long queue into batches of at most maxBatch", async () => {
    const batches: number[][] = [];
    const g = new GroupCommit<number, number>(async (inputs) => {
      batches.push(inputs);
      return inputs;
    }, 2);
    expect(await Promise.all([1, 2, 3, 4, 5].map((n) => g.submit(n)))).toEqual([1, 2, 3, 4, 5]);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });
});
