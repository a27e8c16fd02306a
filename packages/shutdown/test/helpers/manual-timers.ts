import type { Timers } from "../../src/index.js";

/**
 * A clock that moves only when a test says so: a grace period "runs out" on `advance`, never
 * after a sleep. `pending` tells whether every timer was cleared.
 */
export function manualTimers() {
  let now = 0;
  let seq = 0;
  const pending = new Map<number, { at: number; ms: number; fn: () => void }>();
  const timers: Timers = {
    setTimeout(fn, ms) {
      seq += 1;
      pending.set(seq, { at: now + ms, ms, fn });
      return seq;
    },
    clearTimeout(handle) {
      pending.delete(handle as number);
    },
    now: () => now,
  };
  return {
    timers,
    /** Delays of the timers still pending, in start order. */
    pending: () => [...pending.values()].map((t) => t.ms),
    /** Moves the clock and fires every timer that is due, earliest first. */
    advance(ms: number) {
      now += ms;
      for (;;) {
        const due = [...pending.entries()]
          .filter(([, t]) => t.at <= now)
          .sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) return;
        pending.delete(due[0]);
        due[1].fn();
      }
    },
  };
}

/** A promise and its resolve, for "the hook has started" style events. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Lets every pending promise continuation run (one turn of the event loop; not a sleep). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
