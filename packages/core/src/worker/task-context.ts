import type { Logger } from "../ports/logger.js";
import type { ClaimedTask, TaskStore } from "../ports/task-store.js";

/**
 * What a handler gets for one claimed row. Every write it makes about the row goes through
 * `advance` / `complete`, which are fenced by the lease token: after the lease is lost they
 * throw LeaseLostError and change nothing.
 */
export interface TaskContext {
  /** The row as claimed; `stage` and `data` follow the handler's own `advance` calls. */
  readonly task: ClaimedTask;
  /**
   * Aborts when the work must stop: the shutdown deadline passed (the row will be released
   * for the next worker) or the lease was lost (nothing may be written any more).
   * Pass it to every slow call (HTTP requests, uploads, child processes).
   */
  readonly signal: AbortSignal;
  readonly workerId: string;
  /** For unfenced writes that must survive a lost lease: the paid-call journal. */
  readonly store: TaskStore;
  readonly logger: Logger;
  now(): Date;
  /** Moves the row to `to` (checked by the stage machine), optionally replacing its data. */
  advance(to: string, data?: Record<string, unknown>): Promise<void>;
  /**
   * Saves the result (if any: a task may have none) and moves the row to the completed
   * stage, in one transaction.
   */
  complete(result?: Record<string, unknown>, data?: Record<string, unknown>): Promise<void>;
}

/**
 * Runs one claimed row as far as it can go. To finish it, call `ctx.complete`. To give up:
 * throw PermanentError (→ failed stage at once) or any other error (→ released with the
 * attempt counted, failed once attempts reach maxAttempts). Returning without completing
 * counts as an error.
 */
export type TaskHandler = (ctx: TaskContext) => Promise<void>;
