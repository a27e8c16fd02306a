/** Base class so callers can tell holdfast's own failures apart with one `instanceof`. */
export class HoldfastError extends Error {
  override name = "HoldfastError";
}

/** A transition the stage machine does not allow. Names both stages; nothing was written. */
export class IllegalTransitionError extends HoldfastError {
  override name = "IllegalTransitionError";
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super(`illegal stage transition: ${from} → ${to}`);
  }
}

/**
 * A fenced write found that the row is no longer held under this lease token: the lease
 * expired and the row was recovered (and maybe claimed again) behind the worker's back.
 * The worker must drop the work: it cannot overwrite anything.
 */
export class LeaseLostError extends HoldfastError {
  override name = "LeaseLostError";
  constructor(
    readonly taskId: number,
    readonly operation: string,
  ) {
    super(`lease lost on task ${taskId} during ${operation}: another worker or a recovery owns it now`);
  }
}

/**
 * Thrown by a handler for a failure that retrying cannot fix (missing file, not a video,
 * invalid input). The worker moves the row to the failed stage at once instead of
 * releasing it for another attempt.
 */
export class PermanentError extends HoldfastError {
  override name = "PermanentError";
}

/** Bad configuration or arguments given to a holdfast function. */
export class ConfigError extends HoldfastError {
  override name = "ConfigError";
}
