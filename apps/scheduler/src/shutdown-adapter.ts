import type { Logger } from "@holdfast/core";

/**
 * TEMPORARY adapter until @holdfast/shutdown exports createShutdown (its announced API, the
 * subset the scheduler uses). Swap the import in scheduler.ts for the package once it lands
 * and delete this file.
 *
 * Phases, in order: `signal` aborts (stop starting work) → tracked work finishes, or the grace
 * period runs out and `deadlineSignal` aborts it → each onStop hook runs, in registration
 * order, each time-limited, a failing one logged and skipped → the exit callback.
 */
export const EXIT_CODES = Object.freeze({
  OK: 0,
  /** The grace period ran out and work was aborted (and released) rather than finished. */
  DEADLINE: 75,
});

export interface Shutdown {
  /** Aborts when a stop begins: start nothing new. */
  readonly signal: AbortSignal;
  /** Aborts when the grace period runs out (or a second signal arrives): abort what runs. */
  readonly deadlineSignal: AbortSignal;
  readonly stopping: boolean;
  /** Work the stop waits for (until the deadline). */
  track<T>(work: Promise<T> | (() => Promise<T>)): Promise<T>;
  onStop(name: string, fn: () => Promise<void> | void, options?: { timeoutMs?: number }): void;
  /** Begins the stop (idempotent); resolves with the exit code once every hook has run. */
  stop(reason: string): Promise<number>;
  dispose(): void;
}

export interface ShutdownOptions {
  gracePeriodMs: number;
  logger: Logger;
  /** Called with the exit code at the end; omit to leave exiting to the caller. */
  exit?: (code: number) => void;
  /** Signals that begin a stop; [] for none (a library caller handles them). */
  signals?: NodeJS.Signals[];
}

const HOOK_TIMEOUT_MS = 10_000;

export function createShutdown(options: ShutdownOptions): Shutdown {
  const { logger } = options;
  const stopping = new AbortController();
  const deadline = new AbortController();
  const tracked = new Set<Promise<unknown>>();
  const hooks: Array<{ name: string; fn: () => Promise<void> | void; timeoutMs: number }> = [];
  const signals = options.signals ?? ["SIGTERM", "SIGINT"];
  let done: Promise<number> | undefined;

  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping.signal.aborted) {
      logger.warn({ signal: sig }, "second signal: not waiting for running work any longer");
      deadline.abort(new Error(`second ${sig}`));
      return;
    }
    void shutdown.stop(sig);
  };
  for (const s of signals) process.on(s, onSignal);

  async function run(reason: string): Promise<number> {
    // Started before anything else, so work that blocks cannot postpone the deadline.
    const timer = setTimeout(
      () => deadline.abort(new Error("the grace period ran out")),
      options.gracePeriodMs,
    );
    stopping.abort(new Error(reason));
    logger.info({ reason, running: tracked.size, gracePeriodMs: options.gracePeriodMs }, "stopping");
    const deadlineReached = new Promise<void>((resolve) =>
      deadline.signal.aborted ? resolve() : deadline.signal.addEventListener("abort", () => resolve()),
    );
    while (tracked.size > 0 && !deadline.signal.aborted) {
      await Promise.race([Promise.allSettled([...tracked]), deadlineReached]);
    }
    // Aborted work still gets to settle (release its rows) before the hooks close the store.
    if (tracked.size > 0) {
      await Promise.race([
        Promise.allSettled([...tracked]),
        new Promise((resolve) => setTimeout(resolve, HOOK_TIMEOUT_MS)),
      ]);
    }
    clearTimeout(timer);
    for (const hook of hooks) {
      let hookTimer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(hook.fn),
          new Promise((_, reject) => {
            hookTimer = setTimeout(
              () => reject(new Error(`timed out after ${hook.timeoutMs} ms`)),
              hook.timeoutMs,
            );
          }),
        ]);
      } catch (err) {
        logger.error({ hook: hook.name, err: (err as Error).message }, "stop hook failed; going on");
      } finally {
        clearTimeout(hookTimer);
      }
    }
    const code = deadline.signal.aborted ? EXIT_CODES.DEADLINE : EXIT_CODES.OK;
    shutdown.dispose();
    options.exit?.(code);
    return code;
  }

  const shutdown: Shutdown = {
    signal: stopping.signal,
    deadlineSignal: deadline.signal,
    get stopping() {
      return stopping.signal.aborted;
    },
    track(work) {
      const p = typeof work === "function" ? work() : work;
      tracked.add(p);
      void p.then(
        () => tracked.delete(p),
        () => tracked.delete(p),
      );
      return p;
    },
    onStop(name, fn, hookOptions) {
      hooks.push({ name, fn, timeoutMs: hookOptions?.timeoutMs ?? HOOK_TIMEOUT_MS });
    },
    stop(reason) {
      // Assigned before run() starts: aborting `signal` runs listeners synchronously, and one
      // of them may call stop() again.
      if (!done) {
        let settle: (code: number) => void = () => {};
        done = new Promise<number>((resolve) => {
          settle = resolve;
        });
        void run(reason).then(settle, () => settle(1));
      }
      return done;
    },
    dispose() {
      for (const s of signals) process.off(s, onSignal);
    },
  };
  return shutdown;
}
