import { describe, expect, it } from "vitest";
import { Waker } from "./waker.js";

describe("Waker", () => {
  it("keeps a wake that arrives before the wait, so no finished task is missed", async () => {
    const w = new Waker();
    w.wake();
    const started = performance.now();
    await w.wait(60_000);
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it("wakes a waiter early", async () => {
    const w = new Waker();
    const waiting = w.wait(60_000);
    w.wake();
    await waiting;
    // A second wait is not woken by the first wake.
    let woke = false;
    const second = w.wait(5).then(() => {
      woke = true;
    });
    expect(woke).toBe(false);
    await second;
    expect(woke).toBe(true);
  });
});
