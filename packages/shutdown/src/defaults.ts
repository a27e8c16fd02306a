/** Every default of @holdfast/shutdown, in one place: the README's table is this constant. */
export const SHUTDOWN_DEFAULTS = Object.freeze({
  /**
   * How long work in flight may take after the first signal: the seed's supervisord
   * `stopwaitsecs=300`. Give the process manager a little more than this (see deploy/).
   */
  gracePeriodMs: 300_000,
  signals: Object.freeze(["SIGTERM", "SIGINT"]) as readonly NodeJS.Signals[],
  /** Each stop hook's own limit: one hanging hook must not keep the others from running. */
  hookTimeoutMs: 10_000,
  /**
   * After the deadline aborts in-flight work, how long that work gets to run its release
   * code (give leases back) before the hooks run anyway.
   */
  settleMs: 2_000,
});

/** The type of SHUTDOWN_DEFAULTS: every option that has a default, with its value's type. */
export type ShutdownDefaults = typeof SHUTDOWN_DEFAULTS;
