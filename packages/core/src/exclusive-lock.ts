import { ConfigError } from "./errors.js";
import { type Clock, systemClock } from "./ports/clock.js";
import type { TaskStore } from "./ports/task-store.js";

export interface ExclusiveRunOptions {
  store: TaskStore;
  /** Lock row name: one per schedule for withoutOverlapping, shared for onOneServer. */
  name: string;
  owner: string;
  /**
   * The lock expires this long after its last renewal. A holder that crashes frees the
   * lock within one ttl (Laravel's cache lock can block a task for 24 h).
   */
  ttlMs: number;
  clock?: Clock;
}

export type ExclusiveRunResult<T> = { ran: true; value: T } | { ran: false; heldBy: string | null };

/**
 * Runs `fn` only if this owner can take the named lock, renewing it every ttl/3 while `fn`
 * runs and releasing it afterwards. If a renewal finds the lock taken over (this process was
 * paused past the ttl), `signal` aborts so the work can stop early.
 */
export async function runExclusive<T>(
  options: ExclusiveRunOptions,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<ExclusiveRunResult<T>> {
  const { store, name, owner, ttlMs } = options;
  if (!(Number.isInteger(ttlMs) && ttlMs > 0))
    throw new ConfigError(`runExclusive: ttlMs must be a positive integer, got ${ttlMs}`);
  const clock = options.clock ?? systemClock;
  if (!(await store.lockAcquire({ name, owner, ttlMs, now: clock.now() }))) {
    return { ran: false, heldBy: (await store.lockGet(name))?.owner ?? null };
  }
  const controller = new AbortController();
  const renew = setInterval(
    () =>
      void store
        .lockAcquire({ name, owner, ttlMs, now: clock.now() })
        .then((held) => {
          if (!held) controller.abort(new Error(`lock "${name}" was taken over by another holder`));
        })
        .catch(() => {
          // A failed renewal is retried at the next tick; the lock stays ours until it expires.
        }),
    Math.max(1, Math.floor(ttlMs / 3)),
  );
  try {
    return { ran: true, value: await fn(controller.signal) };
  } finally {
    clearInterval(renew);
    await store.lockRelease({ name, owner }).catch(() => {});
  }
}
