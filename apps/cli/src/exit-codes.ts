/**
 * Exit codes of every command except `health`, which uses the Nagios codes of
 * @holdfast/core's HEALTH_STATUS (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), and `analyze`,
 * which exits with @holdfast/shutdown's code when the grace period ran out.
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
