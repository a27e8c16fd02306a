import { HookTimeoutError } from "./errors.js";
import { startTimer } from "./timers.js";
import type { ShutdownLogger, StopHook, Timers } from "./types.js";

export interface RegisteredHook {
  readonly name: string;
  readonly fn: StopHook;
  readonly timeoutMs: number;
}

interface HookDeps {
  timers: Timers;
  logger: ShutdownLogger;
}

/**
 * Runs the hooks one by one, in order: later hooks often need what earlier ones leave open
 * (stop the HTTP server before closing the DB pool it uses). A hook that throws or runs past
 * its limit is logged and skipped; the others still run, because one stuck close must not
 * leave the rest (flush logs, release locks) undone. Returns the names of the failed hooks.
 *
 * The list is read live, so a hook registered by an earlier hook still runs.
 */
export async function runHooks(
  hooks: readonly RegisteredHook[],
  ctx: { reason: string; deadlineReached: boolean },
  deps: HookDeps,
): Promise<string[]> {
  const failures: string[] = [];
  for (let i = 0; i < hooks.length; i++) {
    const hook = hooks[i] as RegisteredHook;
    const started = deps.timers.now();
    const error = await runOne(hook, ctx, deps.timers);
    const durationMs = Math.round(deps.timers.now() - started);
    if (error === undefined) {
      deps.logger.debug({ hook: hook.name, durationMs }, "stop hook done");
    } else {
      failures.push(hook.name);
      const timedOut = error instanceof HookTimeoutError;
      deps.logger.error(
        { hook: hook.name, durationMs, err: error },
        timedOut ? "stop hook timed out; going on with the next" : "stop hook failed; going on with the next",
      );
    }
  }
  return failures;
}

/** Resolves with undefined when the hook succeeded, or with what it threw / its time-out. */
async function runOne(
  hook: RegisteredHook,
  ctx: { reason: string; deadlineReached: boolean },
  timers: Timers,
): Promise<unknown> {
  const controller = new AbortController();
  let timer: unknown;
  const timedOut = new Promise<never>((_, reject) => {
    timer = startTimer(
      timers,
      () => {
        const error = new HookTimeoutError(hook.name, hook.timeoutMs);
        // Tell the hook to give up; it cannot be killed, but it can stop waiting.
        controller.abort(error);
        reject(error);
      },
      hook.timeoutMs,
    );
  });
  try {
    // Called inside a promise chain so a hook that throws synchronously is caught the same way.
    const ran = Promise.resolve().then(() => hook.fn({ ...ctx, signal: controller.signal }));
    await Promise.race([ran, timedOut]);
    return undefined;
  } catch (error) {
    return error ?? new Error(`stop hook "${hook.name}" rejected with ${String(error)}`);
  } finally {
    timers.clearTimeout(timer);
  }
}
