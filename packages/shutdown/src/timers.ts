import type { Timers } from "./types.js";

/**
 * Node's setTimeout turns a delay above 2^31−1 ms (~24.8 days) into 1 ms, with only a
 * warning: a huge grace period would end at once. Rejecting it is the only safe answer.
 */
export const MAX_TIMER_MS = 2_147_483_647;

export const nodeTimers: Timers = Object.freeze({
  setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
  clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
  now: () => performance.now(),
});

/**
 * Starts a timer for one phase of a stop. The timer is deliberately NOT unref'ed: while a stop
 * is in progress it must keep the process alive. Tracked work waiting on something that holds
 * no handle (a promise that never resolves) would otherwise let Node exit on its own, with code
 * 0, in the middle of the stop: the deadline would never abort it and no hook would run. Every
 * caller clears its timer when its phase ends, so nothing keeps a finished process alive.
 */
export function startTimer(timers: Timers, fn: () => void, ms: number): unknown {
  return timers.setTimeout(fn, ms);
}
