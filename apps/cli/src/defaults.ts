/**
 * Every default of the holdfast CLI in one place: the options' help texts, the README and the
 * code all read this constant, so they cannot disagree.
 */
export const CLI_DEFAULTS = Object.freeze({
  /** The embedded default: a SQLite file in the working directory, no server needed. */
  database: "./holdfast.db",
  /**
   * Seconds in-flight work may take to finish after SIGTERM before it is aborted and released:
   * the seed's supervisord `stopwaitsecs=300`. Process managers must wait longer than this
   * (see deploy/), or they kill the worker before it could release its rows.
   */
  graceSeconds: 300,
  /**
   * `recover --timeout`: the seed's legacy rule (rows in processing with NO lease, untouched for
   * an hour). Rows holdfast leased are judged by their lease, never by this.
   */
  legacyTimeoutSeconds: 3600,
  /** `drain --wait --timeout`: the workers' grace period plus two heartbeats of margin. */
  drainTimeoutSeconds: 330,
  /** How often `drain --wait` looks at the workers' rows in the database. */
  drainPollMs: 500,
  /** `list`: rows shown unless --limit says otherwise. */
  listLimit: 50,
  /** `show`: audit events and journal entries shown per row. */
  showHistoryLimit: 100,
  /** `health --alert-webhook`: a monitoring run must not hang on a slow chat server. */
  webhookTimeoutMs: 10_000,
});

export type CliDefaults = typeof CLI_DEFAULTS;
