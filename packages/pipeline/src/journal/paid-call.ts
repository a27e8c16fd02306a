import { setTimeout as sleepFor } from "node:timers/promises";
import type { JournalEntry, Logger, TaskStore } from "@holdfast/core";
import { PermanentError } from "@holdfast/core";
import type { RetryPolicy } from "../analysis/retry-policy.js";
import { backoffDelay } from "../analysis/retry-policy.js";
import { AnalysisFailedError, errorMessage, MalformedResponseError, ProviderCallError } from "../errors.js";

/** One request, as the provider adapter sends it. */
export interface SendAttempt {
  /** Aborts on the caller's signal or at the per-call time limit. */
  signal: AbortSignal;
  /**
   * Saves the raw answer in the journal (its own write). The adapter calls it the moment a
   * successful answer's body has arrived, before anything parses it; the runner calls it
   * for adapters that do not.
   */
  record(raw: string): Promise<void>;
}

export interface PaidCallParams<T> {
  store: TaskStore;
  taskId: number;
  provider: string;
  model: string;
  /** Identifies the request: same video, same model, same prompt and schema → same hash. */
  requestHash: string;
  signal: AbortSignal;
  logger: Logger;
  now: () => Date;
  policy: RetryPolicy;
  /** Sends the request once; resolves with the raw answer, or throws (ProviderCallError for an HTTP error). */
  send(attempt: SendAttempt): Promise<string>;
  /** Turns a raw answer into a value; throws MalformedResponseError when it cannot. */
  parse(raw: string): T;
  /** Injected in tests to observe the waits; must honour the signal. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
}

export interface PaidCallResult<T> {
  value: T;
  journalId: number;
  /** The answer came from the journal: nothing was paid this time. */
  reused: boolean;
  /** Requests sent by this call (each one possibly paid). */
  calls: number;
}

const malformedCount = (n: number) =>
  n === 1 ? "1 answer to this request was malformed" : `${n} answers to this request were malformed`;

const defaultSleep = (ms: number, signal: AbortSignal) => sleepFor(ms, undefined, { signal });

function tryParse<T>(parse: (raw: string) => T, entry: JournalEntry): { value: T } | { error: Error } {
  if (entry.response === null)
    return { error: new MalformedResponseError(entry.provider, "no response saved") };
  try {
    return { value: parse(entry.response) };
  } catch (err) {
    if (err instanceof MalformedResponseError) return { error: err };
    throw err;
  }
}

/**
 * Finds a saved answer for this exact request that parses. journalFindSucceeded gives one
 * entry; only when that one is malformed are the others read. Also counts the saved
 * answers that are malformed: they were paid for and count against maxMalformed.
 */
async function findReusable<T>(
  p: PaidCallParams<T>,
): Promise<{ hit?: PaidCallResult<T>; malformed: number; last?: Error }> {
  const first = await p.store.journalFindSucceeded({ taskId: p.taskId, requestHash: p.requestHash });
  if (!first) return { malformed: 0 };
  const parsed = tryParse(p.parse, first);
  if ("value" in parsed)
    return { hit: { value: parsed.value, journalId: first.id, reused: true, calls: 0 }, malformed: 0 };
  const all = (await p.store.journalList({ taskId: p.taskId, status: "succeeded" }))
    .filter((e) => e.requestHash === p.requestHash)
    .sort((a, b) => b.id - a.id);
  let malformed = 0;
  let last: Error = parsed.error;
  for (const entry of all) {
    const result = entry.id === first.id ? parsed : tryParse(p.parse, entry);
    if ("value" in result)
      return { hit: { value: result.value, journalId: entry.id, reused: true, calls: 0 }, malformed };
    malformed++;
    last = result.error;
  }
  return { malformed: Math.max(1, malformed), last };
}

/**
 * Runs one paid call under the journal rules (DESIGN.md, "Paid calls are journaled"):
 *
 * 1. A saved answer to the same request is reused: nothing is paid twice.
 * 2. Every request is preceded by a `started` entry with the request's hash.
 * 3. The raw answer is saved (`succeeded`) the moment it arrives, before it is parsed.
 * 4. A definite error answer (HTTP 4xx/5xx) marks the entry `failed`: it was not charged.
 *    A request without an answer (connection lost, time limit, abort) leaves its entry
 *    `started`: possibly charged, counted, never silently lost.
 * 5. 429/5xx, lost connections and time-outs are retried with backoff (Retry-After
 *    honoured) up to maxCalls; a malformed answer is retried until maxMalformed answers
 *    for this request were malformed, then the row fails for good with the reason.
 */
export async function runPaidCall<T>(p: PaidCallParams<T>): Promise<PaidCallResult<T>> {
  const sleep = p.sleep ?? defaultSleep;
  const { policy, signal, logger } = p;
  const log = { taskId: p.taskId, provider: p.provider, model: p.model };

  const reusable = await findReusable(p);
  if (reusable.hit) {
    logger.info({ ...log, journalId: reusable.hit.journalId }, "reusing a paid answer from the journal");
    return reusable.hit;
  }
  let malformed = reusable.malformed;
  if (malformed >= policy.maxMalformed) {
    throw new AnalysisFailedError(`${reusable.last?.message} (${malformedCount(malformed)})`);
  }

  let calls = 0;
  let retries = 0;
  let lastError = "";
  for (;;) {
    signal.throwIfAborted();
    if (calls >= policy.maxCalls) {
      throw new ProviderCallError(
        p.provider,
        `gave up after ${calls} calls; last: ${lastError}`,
        undefined,
        true,
      );
    }
    calls++;
    const entry = await p.store.journalStart({
      taskId: p.taskId,
      provider: p.provider,
      model: p.model,
      requestHash: p.requestHash,
      now: p.now(),
    });
    const timeout = AbortSignal.timeout(policy.callTimeoutMs);
    const callSignal = AbortSignal.any([signal, timeout]);
    let raw: string | undefined;
    let recordFailure: unknown;
    const record = async (text: string) => {
      if (raw !== undefined) return;
      try {
        await p.store.journalSucceed({ id: entry.id, response: text, now: p.now() });
      } catch (err) {
        recordFailure = err;
        throw err;
      }
      raw = text;
    };

    let delay: number | undefined;
    try {
      const returned = await p.send({ signal: callSignal, record });
      await record(returned);
    } catch (err) {
      // A failed journal write is a database problem, not the provider's: stop here.
      if (recordFailure !== undefined) throw recordFailure;
      if (raw === undefined) {
        if (signal.aborted) throw signal.reason; // the entry stays started: possibly charged
        if (err instanceof ProviderCallError && err.status !== undefined) {
          await p.store.journalFail({ id: entry.id, error: err.message, now: p.now() });
          if (err.permanent) throw new PermanentError(err.message);
          if (!err.retryable) throw err;
          if (err.retryAfterMs !== undefined && err.retryAfterMs > policy.retryAfterMaxMs) {
            throw new ProviderCallError(
              p.provider,
              `asked to retry after ${err.retryAfterMs} ms (more than ${policy.retryAfterMaxMs} ms): giving this attempt up`,
              err.status,
              true,
              err.retryAfterMs,
            );
          }
          delay = err.retryAfterMs;
          lastError = err.message;
        } else {
          lastError = timeout.aborted ? `no answer within ${policy.callTimeoutMs} ms` : errorMessage(err);
        }
        logger.warn({ ...log, journalId: entry.id, calls, err: lastError }, "paid call failed; retrying");
        retries++;
        await sleep(delay ?? backoffDelay(retries, policy, p.random), signal);
        continue;
      }
      // The answer was saved before the adapter's own parsing failed: parse it ourselves.
    }

    try {
      return { value: p.parse(raw as string), journalId: entry.id, reused: false, calls };
    } catch (err) {
      if (!(err instanceof MalformedResponseError)) throw err;
      malformed++;
      lastError = err.message;
      logger.warn({ ...log, journalId: entry.id, malformed, err: err.message }, "malformed answer");
      if (malformed >= policy.maxMalformed) {
        throw new AnalysisFailedError(`${err.message} (${malformedCount(malformed)})`);
      }
    }
  }
}
