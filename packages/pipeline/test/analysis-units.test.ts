import { silentLogger, type TaskStore } from "@holdfast/core";
import { describe, expect, it } from "vitest";
import { AnalysisSchema } from "../src/analysis/analyzer.js";
import { parseGeminiAnswer } from "../src/analysis/gemini-analyzer.js";
import { createOfflineAnalyzer, offlineAnalysis } from "../src/analysis/offline-analyzer.js";
import { analysisJsonSchema } from "../src/analysis/prompt.js";
import { canonicalJson, requestHash } from "../src/analysis/request-hash.js";
import { backoffDelay, parseRetryAfter, type RetryPolicy } from "../src/analysis/retry-policy.js";
import { MalformedResponseError } from "../src/errors.js";

const metadata = {
  sizeBytes: 943,
  sha256: "cd".repeat(32),
  md5: "bWQ1",
  container: "mov",
  mimeType: "video/quicktime",
  durationSeconds: 8,
  width: 64,
  height: 48,
  videoCodec: "mp4v",
  audioCodec: null,
  reader: "mp4box" as const,
};
const input = { taskId: 1, sourceId: "s", objectUri: "file:///storage/videos/x.mov", metadata };

describe("offline analyzer", () => {
  it("is deterministic, valid for the schema, and says it is offline", async () => {
    const a = offlineAnalysis(input);
    expect(offlineAnalysis(input)).toEqual(a);
    expect(AnalysisSchema.parse(a)).toEqual(a);
    expect(a.shortSummary).toBe("[offline] A 8.0 s mov video, 64x48, without audio.");
    expect(a.topics).toContain("offline-analysis");
    expect(a.moments.map((m) => m.atSeconds)).toEqual([0, 2, 4, 6]);
    const out = await createOfflineAnalyzer().analyze(input, {
      signal: new AbortController().signal,
      store: {} as TaskStore, // never touched: the offline analyzer pays nothing and journals nothing
      logger: silentLogger,
      now: () => new Date(),
    });
    expect(out).toMatchObject({ provider: "offline", offline: true, reused: false, calls: 0 });
  });

  it("stops its simulated latency when aborted", async () => {
    const controller = new AbortController();
    const running = createOfflineAnalyzer({ latencyMs: 60_000 }).analyze(input, {
      signal: controller.signal,
      store: {} as TaskStore,
      logger: silentLogger,
      now: () => new Date(),
    });
    controller.abort(new Error("stop"));
    await expect(running).rejects.toThrow();
  });
});

describe("retry policy", () => {
  const policy: RetryPolicy = {
    maxCalls: 4,
    maxMalformed: 3,
    callTimeoutMs: 1000,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    retryAfterMaxMs: 10_000,
  };

  it("backs off exponentially with full jitter, capped", () => {
    expect(backoffDelay(1, policy, () => 0.999)).toBe(99);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(200);
    expect(backoffDelay(10, policy, () => 0.999)).toBe(999);
    expect(backoffDelay(2, policy, () => 0)).toBe(0);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = new Date("2030-01-01T00:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("0.5", now)).toBe(500);
    expect(parseRetryAfter("Tue, 01 Jan 2030 00:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe("request hash", () => {
  it("ignores key order, not content", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    expect(requestHash({ a: 1, b: 2 })).toBe(requestHash({ b: 2, a: 1 }));
    expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: 2 }));
  });
});

describe("parseGeminiAnswer", () => {
  const answer = (text: string, extra: object = {}) =>
    JSON.stringify({ candidates: [{ content: { parts: [{ text }] }, finishReason: "STOP" }], ...extra });
  const good = offlineAnalysis(input);

  it("reads the text parts, skipping thoughts", () => {
    const raw = JSON.stringify({
      candidates: [
        { content: { parts: [{ text: "thinking…", thought: true }, { text: JSON.stringify(good) }] } },
      ],
    });
    expect(parseGeminiAnswer(raw)).toEqual(good);
  });

  it("says why an answer is unusable", () => {
    const reason = (raw: string) => {
      try {
        parseGeminiAnswer(raw);
      } catch (err) {
        expect(err).toBeInstanceOf(MalformedResponseError);
        return (err as MalformedResponseError).reason;
      }
      throw new Error("expected a malformed answer");
    };
    expect(reason("{not json")).toMatch(/body is not JSON/);
    expect(reason(JSON.stringify({ promptFeedback: { blockReason: "SAFETY" } }))).toMatch(/blocked: SAFETY/);
    expect(reason(JSON.stringify({ candidates: [{ finishReason: "MAX_TOKENS" }] }))).toMatch(
      /no text.*MAX_TOKENS/,
    );
    expect(reason(answer('{"short'))).toMatch(/text is not JSON/);
    expect(reason(answer(JSON.stringify({ ...good, topics: [] })))).toMatch(/schema at topics/);
  });

  it("sends the same schema it checks", () => {
    const schema = analysisJsonSchema();
    expect(schema.$schema).toBeUndefined();
    expect(schema).toMatchObject({
      type: "object",
      required: ["shortSummary", "summary", "topics", "moments"],
    });
  });
});
