/**
 * Every default of @holdfast/pipeline in one place. The README's configuration table and
 * the code both read this constant, so they cannot disagree.
 */
export const PIPELINE_DEFAULTS = Object.freeze({
  /** A current Gemini model that accepts video and structured JSON output. */
  geminiModel: "gemini-2.5-flash",
  /** The offline analyzer's model label (its output says it is offline). */
  offlineModel: "holdfast-offline-1",
  /** Embedded default: no cloud account needed. */
  analyzer: "offline" as "gemini" | "offline",
  storage: "local" as "gcs" | "local",
  /** Relative to the working directory when no absolute path is configured. */
  inboxDir: "./inbox",
  /** Where the local storage backend keeps its objects. */
  localStorageDir: "./storage",
  /** Object names are `<prefix><sha256><extension>`: a retry overwrites, never duplicates. */
  objectPrefix: "videos/",
  /**
   * Above this size an upload is resumable (a dropped connection resumes instead of starting
   * over); below it one multipart request is cheaper. The SDK's own cut-over is 5 MiB.
   */
  resumableThresholdBytes: 8 * 1024 * 1024,
  /** Files are read in chunks of this size: a large video is never held in memory. */
  readChunkBytes: 1024 * 1024,
  /**
   * Paid calls per analysis attempt, counting the first. Each one is journaled on its own,
   * so a retry that might have been charged is visible as "possibly charged".
   */
  geminiMaxCalls: 4,
  /** Calls whose answer was not valid JSON for the schema before the row fails for good. */
  geminiMaxMalformed: 3,
  /**
   * Time limit of one paid call. Gemini bounds a unary request at 10 min server-side;
   * a video analysis normally answers within a few minutes.
   */
  geminiCallTimeoutMs: 10 * 60_000,
  /** Backoff between retries: base × 2^n with full jitter, capped. */
  retryBaseDelayMs: 1_000,
  retryMaxDelayMs: 30_000,
  /** A Retry-After longer than this is not waited for: the attempt fails and the row is retried later. */
  retryAfterMaxMs: 120_000,
  /** Inline video bytes (for non-gs:// objects) only up to Gemini's request size limit. */
  geminiInlineMaxBytes: 20 * 1024 * 1024,
  /** The offline analyzer answers at once unless a simulated latency is configured. */
  offlineLatencyMs: 0,
});

export type PipelineDefaults = typeof PIPELINE_DEFAULTS;
