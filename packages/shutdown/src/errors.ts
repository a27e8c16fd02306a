/** Base class so callers can tell this package's failures apart with one `instanceof`. */
export class ShutdownError extends Error {
  override name = "ShutdownError";
}

/** An option given to `createShutdown` (or a hook's options) is invalid. Names the option. */
export class ShutdownConfigError extends ShutdownError {
  override name = "ShutdownConfigError";
  constructor(
    readonly option: string,
    detail: string,
  ) {
    super(`invalid shutdown option ${option}: ${detail}`);
  }
}

/** Two hooks with one name: failures are reported by name, so names must be unique. */
export class DuplicateHookError extends ShutdownError {
  override name = "DuplicateHookError";
  constructor(readonly hook: string) {
    super(`a stop hook named "${hook}" is already registered`);
  }
}

/**
 * The reason `Shutdown.signal` aborts with: a stop began. `signal.reason` tells work why,
 * so a worker loop can log "stopping: SIGTERM" without access to the coordinator.
 */
export class StopRequestedError extends ShutdownError {
  override name = "StopRequestedError";
  constructor(readonly reason: string) {
    super(`stop requested (${reason}): take no new work`);
  }
}

/**
 * The reason `Shutdown.deadlineSignal` aborts with: the grace period ran out, or a second
 * signal asked not to wait. Work seeing it must stop and release what it holds.
 */
export class DeadlineReachedError extends ShutdownError {
  override name = "DeadlineReachedError";
  constructor(
    /** What ended the wait: "grace period over" or "second SIGTERM". */
    readonly trigger: string,
    /** True when a second signal, not the timer, ended the wait. */
    readonly forced: boolean,
  ) {
    super(`shutdown deadline reached (${trigger}): abort and release in-flight work`);
  }
}

/** A stop hook ran longer than its limit. The hook's `ctx.signal` aborts with this error. */
export class HookTimeoutError extends ShutdownError {
  override name = "HookTimeoutError";
  constructor(
    readonly hook: string,
    readonly timeoutMs: number,
  ) {
    super(`stop hook "${hook}" did not finish within ${timeoutMs} ms`);
  }
}
