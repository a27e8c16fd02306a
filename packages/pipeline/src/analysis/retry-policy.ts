/** When to try a paid call again, and how long to wait first. */
export interface RetryPolicy {
  /** Paid calls per attempt, counting the first. */
  maxCalls: number;
  /** Malformed answers (for this request, counting those in the journal) before the row fails. */
  maxMalformed: number;
  callTimeoutMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A longer Retry-After is not waited for: the attempt fails and the row is retried later. */
  retryAfterMaxMs: number;
}

/** Exponential backoff with full jitter: a fleet that failed together does not retry together. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/** Retry-After as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(
  value: string | null | undefined,
  now: Date = new Date(),
): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

/** HTTP statuses worth another paid call: rate limits and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}
