/**
 * The codes a stop exits with. They follow sysexits.h so a process manager or a wrapper
 * script can tell the outcomes apart without parsing logs.
 *
 * - `deadline` is 75 (EX_TEMPFAIL, "try again later"), not 124 (GNU timeout's "timed out")
 *   nor 128+15 (which claims the process was killed by SIGTERM): the process was not killed,
 *   it aborted its work and gave it back, and another run will pick it up. apps/cli already
 *   exits 75 for this and its tests rely on it.
 * - `hookFailed` is 70 (EX_SOFTWARE): every piece of work finished, but a close hook threw or
 *   timed out, so something may not have been closed or flushed. When the deadline was
 *   reached too, `deadline` wins: unfinished work is the more important news; the failed
 *   hooks are in the logs and in `ShutdownOutcome.hookFailures`.
 */
export const EXIT_CODES = Object.freeze({
  ok: 0,
  hookFailed: 70,
  deadline: 75,
});

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
