import { DEFAULTS } from "@holdfast/core";

/**
 * Every default of the scheduler in one place. The config loader, the README's table and the
 * code read this constant, so they cannot disagree.
 */
export const SCHEDULER_DEFAULTS = Object.freeze({
  /** The embedded default, the same file the CLI uses: a SQLite file in the working directory. */
  databaseUrl: "./holdfast.db",
  /** 0.0.0.0 so that Kubernetes probes and Prometheus can reach the endpoints. */
  host: "0.0.0.0",
  /** The port Prometheus exporters conventionally take next; 0 picks a free port. */
  port: 9464,
  /**
   * A running job may finish this long after SIGTERM: the seed's supervisord `stopwaitsecs=300`,
   * the same as the workers', so one process manager setting fits both.
   */
  gracePeriodMs: 300_000,
  /**
   * withoutOverlapping: the lock expires this long after its last renewal (renewed every ttl/3).
   * The same reasoning as a lease: a crashed holder frees the job within 30 s, while two
   * renewals may be lost to a slow database before a live holder loses it.
   */
  lockTtlMs: DEFAULTS.leaseTtlMs,
  /**
   * onOneServer: a tick's lock row is kept (not released) this long, so a scheduler that fires
   * the same tick later — clock skew, a busy event loop, a slow database — still finds it taken.
   * It only has to outlast that lateness, not the job (withoutOverlapping covers the job).
   */
  tickLockTtlMs: 60_000,
  /**
   * The scheduler's registration heartbeat. `holdfast health` calls a scheduler silent after
   * 20 minutes; heartbeating far more often than that costs one tiny write.
   */
  heartbeatIntervalMs: 10_000,
  recovery: {
    enabled: true,
    /** Every ten minutes, as in the seed's schedule. Workers sweep too; this is the backstop. */
    schedule: "*/10 * * * *",
    withoutOverlapping: true,
    onOneServer: true,
    /** The seed's `--timeout=3600`: legacy rows in processing with no lease, older than this. */
    legacyTimeoutMs: DEFAULTS.legacyTimeoutMs,
    maxAttempts: DEFAULTS.maxAttempts,
  },
  analysis: {
    /**
     * Off unless asked for: a batch needs the pipeline's config (inbox, storage, analyzer), and
     * the pipeline's defaults (offline analyzer, local storage) would move real videos out of
     * the inbox with made-up analyses. Capacity normally comes from `holdfast analyze` workers.
     */
    enabled: false,
    /** A batch a minute; each batch works until nothing is ready (`analyze --once`). */
    schedule: "* * * * *",
    /** One batch anywhere at a time: more capacity means more `holdfast analyze` workers. */
    withoutOverlapping: true,
    onOneServer: true,
    concurrency: DEFAULTS.concurrency,
    leaseTtlMs: DEFAULTS.leaseTtlMs,
    maxAttempts: DEFAULTS.maxAttempts,
    /** Rows one batch claims at most, so a batch ends and the next tick can run elsewhere. */
    limit: 100,
  },
  health: {
    enabled: true,
    schedule: "* * * * *",
    withoutOverlapping: true,
    onOneServer: true,
    /** A chat server that hangs must not hold the health job (and its lock) for long. */
    webhookTimeoutMs: 10_000,
  },
});

export type SchedulerDefaults = typeof SCHEDULER_DEFAULTS;
