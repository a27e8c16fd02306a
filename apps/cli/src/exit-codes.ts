/**
 * Exit codes of every command, except: `health` uses the Nagios codes of @holdfast/core's
 * HEALTH_STATUS (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN); `analyze` ends with
 * @holdfast/shutdown's EXIT_CODES (70 a close step failed, 75 the grace period ran out);
 * `schedule` with @holdfast/scheduler's SCHEDULER_EXIT (78 bad configuration, …).
 */
export const EXIT = Object.freeze({
  ok: 0,
  /** Bad input (unknown option, bad number, missing file) or a command that failed. clipanion uses 1 too. */
  failure: 1,
  /** A change needed confirmation and got none (no TTY and no --yes, or the answer was no). Nothing changed. */
  notConfirmed: 2,
  /** `drain --wait` ran out of time with workers still running. */
  timedOut: 4,
  /** The database could not be reached or opened. EX_UNAVAILABLE from sysexits.h. */
  databaseUnreachable: 69,
});

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
