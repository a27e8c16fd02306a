import { readFile } from "node:fs/promises";
import { PermanentError, silentLogger, type TaskStore } from "@holdfast/core";
import { describe, expect, it } from "vitest";
import type { AnalysisInput, AnalyzeContext } from "../src/analysis/analyzer.js";
import { createGeminiAnalyzer, type GeminiAnalyzerOptions } from "../src/analysis/gemini-analyzer.js";
import { AnalysisFailedError, ProviderCallError } from "../src/errors.js";
import { startGeminiEmulator } from "../src/testing/gemini-emulator.js";
import { fixture, memoryLogger, neverAborted, onCleanup } from "./helpers.js";
import { addTask, openTestStore } from "./store.js";

const KEY = "AIzaSy-emulator-key-0123456789";

const metadata = {
  sizeBytes: 4935,
  sha256: "ab".repeat(32),
  md5: "bWQ1",
  container: "mp4",
  mimeType: "video/mp4",
  durationSeconds: 1,
  width: 160,
  height: 120,
  videoCodec: "avc1.64000c",
  audioCodec: "mp4a.40.2",
  reader: "mp4box" as const,
};

async function setup(options: Partial<GeminiAnalyzerOptions> = {}) {
  const emulator = await startGeminiEmulator({ apiKey: KEY });
  onCleanup(() => emulator.close());
  const store = await openTestStore();
  const taskId = await addTask(store, "video-1");
  const waits: number[] = [];
  const analyzer = createGeminiAnalyzer({
    apiKey: KEY,
    baseUrl: emulator.url,
    policy: { baseDelayMs: 5, maxDelayMs: 20 },
    // Records each wait, then really waits: the test observes the backoff without timing it.
    sleep: async (ms, signal) => {
      waits.push(ms);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, ms);
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
      });
    },
    ...options,
  });
  const input: AnalysisInput = {
    taskId,
    sourceId: "video-1",
    objectUri: "gs://bucket/videos/x.mp4",
    metadata,
  };
  const context = (overrides: Partial<AnalyzeContext> = {}): AnalyzeContext => ({
    signal: neverAborted(),
    store,
    logger: silentLogger,
    now: () => new Date(),
    ...overrides,
  });
  return { emulator, store, taskId, analyzer, input, context, waits };
}

async function journal(store: TaskStore, taskId: number) {
  return (await store.journalList({ taskId })).sort((a, b) => a.id - b.id);
}

describe("Gemini analyzer (real @google/genai against the emulator, real SQLite journal)", () => {
  it("sends the video, schema and key, and journals the raw answer", async () => {
    const { emulator, store, taskId, analyzer, input, context } = await setup();
    const out = await analyzer.analyze(input, context());
    expect(out).toMatchObject({
      provider: "gemini",
      model: "gemini-2.5-flash",
      offline: false,
      reused: false,
      calls: 1,
    });
    expect(out.analysis.shortSummary).toBe("Emulated analysis of gs://bucket/videos/x.mp4.");
    const [request] = emulator.requests;
    expect(request?.apiKey).toBe(KEY);
    expect(request?.body.contents?.[0]?.parts?.[0]).toEqual({
      fileData: { fileUri: input.objectUri, mimeType: "video/mp4" },
    });
    expect(request?.body.generationConfig).toMatchObject({ responseMimeType: "application/json" });
    const entries = await journal(store, taskId);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      status: "succeeded",
      provider: "gemini",
      model: "gemini-2.5-flash",
      id: out.journalId,
    });
    expect(JSON.parse(entries[0]?.response ?? "").candidates[0].content.parts[0].text).toContain(
      "Emulated analysis",
    );
  });

  it("reuses a saved answer for the same request instead of paying again", async () => {
    const { emulator, analyzer, input, context, store, taskId } = await setup();
    const first = await analyzer.analyze(input, context());
    const again = await analyzer.analyze(input, context());
    expect(again).toMatchObject({
      reused: true,
      calls: 0,
      journalId: first.journalId,
      analysis: first.analysis,
    });
    expect(emulator.calls).toBe(1);
    // Another model is another request.
    const pro = createGeminiAnalyzer({ apiKey: KEY, baseUrl: emulator.url, model: "gemini-2.5-pro" });
    expect((await pro.analyze(input, context())).reused).toBe(false);
    expect(emulator.calls).toBe(2);
    expect(emulator.requests[1]?.model).toBe("gemini-2.5-pro");
    expect(await journal(store, taskId)).toHaveLength(2);
  });

  it("response lost after the server counted the call: a started entry stays, the retry pays once more", async () => {
    const { emulator, store, taskId, analyzer, input, context } = await setup();
    emulator.inject({ kind: "drop" });
    const out = await analyzer.analyze(input, context());
    expect(out.calls).toBe(2);
    expect(emulator.calls).toBe(2);
    expect((await journal(store, taskId)).map((e) => e.status)).toEqual(["started", "succeeded"]);
    expect(await store.journalCountPossiblyCharged()).toBe(1);
  });

  it("429 with Retry-After waits as asked; 500 backs off; both are journaled as failed, not charged", async () => {
    const { emulator, store, taskId, analyzer, input, context, waits } = await setup();
    emulator.inject({ kind: "status", status: 429, retryAfterSeconds: 1 });
    emulator.inject({ kind: "status", status: 500 });
    const out = await analyzer.analyze(input, context());
    expect(out.calls).toBe(3);
    expect(waits[0]).toBe(1000);
    expect(waits[1]).toBeLessThanOrEqual(10); // base 5 ms × 2^(2−1), full jitter
    const entries = await journal(store, taskId);
    expect(entries.map((e) => e.status)).toEqual(["failed", "failed", "succeeded"]);
    expect(entries[0]?.error).toMatch(/HTTP 429/);
    expect(entries[1]?.error).toMatch(/HTTP 500/);
    expect(await store.journalCountPossiblyCharged()).toBe(0);
  });

  it("gives the attempt up after maxCalls, as a retryable error", async () => {
    const { emulator, analyzer, input, context } = await setup({ policy: { baseDelayMs: 1, maxCalls: 3 } });
    emulator.inject({ kind: "status", status: 503 }, 10);
    const err = await analyzer.analyze(input, context()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderCallError);
    expect(err).not.toBeInstanceOf(PermanentError);
    expect((err as Error).message).toMatch(/gave up after 3 calls.*HTTP 503/);
    expect(emulator.calls).toBe(3);
  });

  it("a Retry-After beyond the limit ends the attempt instead of blocking the worker", async () => {
    const { emulator, analyzer, input, context, waits } = await setup({ policy: { retryAfterMaxMs: 5_000 } });
    emulator.inject({ kind: "status", status: 429, retryAfterSeconds: 3600 });
    await expect(analyzer.analyze(input, context())).rejects.toThrow(/retry after 3600000 ms/);
    expect(waits).toEqual([]);
  });

  it("malformed JSON from the model is retried, then the row fails with the reason", async () => {
    const { emulator, store, taskId, analyzer, input, context } = await setup();
    emulator.inject({ kind: "malformed-json" }, 3);
    const err = await analyzer.analyze(input, context()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AnalysisFailedError);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toMatch(
      /model's text is not JSON.*3 answers to this request were malformed/,
    );
    expect(emulator.calls).toBe(3);
    // Each answer was saved before it was parsed.
    expect((await journal(store, taskId)).map((e) => e.status)).toEqual([
      "succeeded",
      "succeeded",
      "succeeded",
    ]);
  });

  it("a malformed answer or body is paid for once, then replaced by a good one", async () => {
    const { emulator, analyzer, input, context } = await setup();
    emulator.inject({ kind: "malformed-body" });
    emulator.inject({ kind: "wrong-schema" });
    const out = await analyzer.analyze(input, context());
    expect(out.calls).toBe(3);
    // The good answer is the one reused later, not the malformed ones saved before it.
    expect((await analyzer.analyze(input, context())).journalId).toBe(out.journalId);
    expect(emulator.calls).toBe(3);
  });

  it("malformed answers saved by earlier attempts count: the next attempt does not start over", async () => {
    const { emulator, analyzer, input, context } = await setup({ policy: { maxMalformed: 2 } });
    emulator.inject({ kind: "malformed-json" }, 5);
    const strict = createGeminiAnalyzer({ apiKey: KEY, baseUrl: emulator.url, policy: { maxMalformed: 1 } });
    await expect(strict.analyze(input, context())).rejects.toThrow(/1 answer to this request was malformed/);
    await expect(analyzer.analyze(input, context())).rejects.toThrow(/schema|not JSON/);
    expect(emulator.calls).toBe(2);
  });

  it("the wrong schema names the field", async () => {
    const { emulator, analyzer, input, context } = await setup({ policy: { maxMalformed: 1 } });
    emulator.inject({ kind: "wrong-schema" });
    await expect(analyzer.analyze(input, context())).rejects.toThrow(
      /does not fit the schema at shortSummary/,
    );
  });

  it("an abort during a call stops at once and leaves the call possibly charged", async () => {
    const { emulator, store, taskId, analyzer, input, context } = await setup();
    emulator.inject({ kind: "hang" });
    const controller = new AbortController();
    const running = analyzer.analyze(input, context({ signal: controller.signal }));
    await emulator.counter.reached(1);
    controller.abort(new Error("deadline"));
    await expect(running).rejects.toThrow("deadline");
    expect((await journal(store, taskId)).map((e) => e.status)).toEqual(["started"]);
    expect(await store.journalCountPossiblyCharged()).toBe(1);
  });

  it("a call over its time limit is retried and counted as possibly charged", async () => {
    const { emulator, store, analyzer, input, context } = await setup({
      policy: { callTimeoutMs: 150, maxCalls: 2, baseDelayMs: 1 },
    });
    emulator.inject({ kind: "hang" }, 2);
    await expect(analyzer.analyze(input, context())).rejects.toThrow(/no answer within 150 ms/);
    expect(emulator.calls).toBe(2);
    expect(await store.journalCountPossiblyCharged()).toBe(2);
  });

  it("sends a video from local storage inline", async () => {
    const { emulator, analyzer, input, context } = await setup();
    const uri = new URL(`file://${fixture("tiny.mov")}`).href;
    await analyzer.analyze(
      { ...input, objectUri: uri, metadata: { ...metadata, mimeType: "video/quicktime" } },
      context(),
    );
    const part = emulator.requests[0]?.body.contents?.[0]?.parts?.[0];
    expect(part?.inlineData?.mimeType).toBe("video/quicktime");
    expect(part?.inlineData?.data).toBe((await readFile(fixture("tiny.mov"))).toString("base64"));
  });

  it("never shows the API key in errors, logs or the journal", async () => {
    const wrong = "AIzaSy-wrong-key-that-must-not-leak";
    const { emulator, store, taskId, input, context } = await setup();
    const logger = memoryLogger();
    const analyzer = createGeminiAnalyzer({
      apiKey: wrong,
      baseUrl: emulator.url,
      policy: { baseDelayMs: 1 },
    });
    const err = await analyzer.analyze(input, context({ logger })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderCallError);
    expect(err).not.toBeInstanceOf(PermanentError); // fixing the key fixes every row
    expect((err as Error).message).toMatch(/HTTP 400.*API key not valid/);
    const everything = JSON.stringify([
      String(err),
      (err as Error).stack,
      logger.lines,
      await journal(store, taskId),
      analyzer,
    ]);
    expect(everything).not.toContain(wrong);
    expect(emulator.requests[0]?.apiKey).toBe(wrong);
  });
});
