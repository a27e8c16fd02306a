import { HoldfastError, PermanentError } from "@holdfast/core";

/**
 * The video file cannot be analysed as it is: missing, empty, truncated, not a video, or
 * in a container that cannot be read here. Retrying does not change the file, so the row
 * fails at once with this reason.
 */
export class InvalidVideoError extends PermanentError {
  override name = "InvalidVideoError";
  constructor(
    /** The path as the row records it (never resolved outside the inbox). */
    readonly path: string,
    readonly reason: string,
  ) {
    super(`video ${JSON.stringify(path)}: ${reason}`);
  }
}

/** A path from the database that points outside the configured inbox. Never read, never deleted. */
export class InboxEscapeError extends PermanentError {
  override name = "InboxEscapeError";
  constructor(
    readonly path: string,
    readonly why: string,
  ) {
    super(`refusing path ${JSON.stringify(path)}: ${why}; only files inside the inbox are read or deleted`);
  }
}

/**
 * The object storage reported a checksum (or size) that differs from the local file's.
 * The local file is kept; the attempt fails and the next one uploads again (same object
 * name, so it overwrites).
 */
export class ChecksumMismatchError extends HoldfastError {
  override name = "ChecksumMismatchError";
  constructor(
    readonly uri: string,
    readonly field: string,
    readonly local: string,
    readonly remote: string,
  ) {
    super(
      `upload to ${uri} not verified: ${field} is ${remote} in storage but ${local} locally; local file kept`,
    );
  }
}

/** One paid call (or its retries) failed. `status` is the HTTP status when there was an answer. */
export class ProviderCallError extends HoldfastError {
  override name = "ProviderCallError";
  constructor(
    readonly provider: string,
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
    /** Retry-After, in ms, when the provider sent one. */
    readonly retryAfterMs?: number,
    /** The request itself is refused (e.g. an unsupported video): no attempt will do better. */
    readonly permanent = false,
  ) {
    super(`${provider}: ${message}`);
  }
}

/** The provider answered, but not with JSON that fits the analysis schema. */
export class MalformedResponseError extends HoldfastError {
  override name = "MalformedResponseError";
  constructor(
    readonly provider: string,
    readonly reason: string,
  ) {
    super(`${provider} returned a malformed analysis: ${reason}`);
  }
}

/** A paid call was answered malformed too many times: the row fails with the last reason. */
export class AnalysisFailedError extends PermanentError {
  override name = "AnalysisFailedError";
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
