import { EXIT_CODES } from "@holdfast/shutdown";

/** The scheduler binary's exit codes (sysexits.h where one fits). */
export const SCHEDULER_EXIT = Object.freeze({
  /** Stopped cleanly: running jobs finished, locks released, everything closed. */
  ok: 0,
  /** Anything unexpected. */
  failure: 1,
  /** The grace period ran out and a running job was aborted (its rows released). */
  deadline: EXIT_CODES.deadline,
  /** Every job finished, but a close step (deregistering, HTTP, the store) failed or hung. */
  hookFailed: EXIT_CODES.hookFailed,
  /** The database could not be reached or opened. EX_UNAVAILABLE, as the CLI. */
  databaseUnreachable: 69,
  /** The configuration is wrong; the message says which setting and where it came from. EX_CONFIG. */
  config: 78,
});

/** A startup failure that carries its exit code and a message fit to print as is. */
export class StartupError extends Error {
  override name = "StartupError";
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
