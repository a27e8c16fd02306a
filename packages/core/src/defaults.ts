/**
 * Every default of @holdfast/core in one place. Documentation and code read this constant,
 * so they cannot disagree.
 */
export const DEFAULTS = Object.freeze({
  /**
   * A lease lasts this long unless renewed. Short enough that a crashed worker's rows are
   * back within a minute (the seed's rule waited an hour); long enough that a stalled event
   * loop or a slow database does not cost a live worker its rows.
   */
  leaseTtlMs: 30_000,
  /** Heartbeats renew leases every ttl/3: two heartbeats can be lost before a lease expires. */
  heartbeatFraction: 1 / 3,
  /** Rows a worker runs at once. */
  concurrency: 1,
  /** Rows claimed ahead of free slots. 0: long tasks should not hold rows they cannot start yet. */
  prefetch: 0,
  /** Idle poll interval when no row was ready. */
  pollIntervalMs: 1_000,
  /**
   * A worker sweeps for expired leases this often, so crashed work comes back without the
   * scheduler (which sweeps every ten minutes as a backstop).
   */
  sweepIntervalMs: 10_000,
  /** Claims counted before a row goes to the failed stage instead of being retried. */
  maxAttempts: 5,
  /** The seed's `--timeout=3600`: legacy rows in `processing` with no lease, older than this. */
  legacyTimeoutMs: 3_600_000,
  /** Rows changed per recovery statement. */
  recoverBatchSize: 1_000,
  /** A worker whose heartbeat is older than this many lease ttls is reported dead. */
  deadWorkerTtls: 3,
});

export type Defaults = typeof DEFAULTS;
