import { createHash } from "node:crypto";
import { access, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createWorker,
  recover,
  type TaskHandler,
  type TaskStore,
  videoStageMachine,
  type WorkerEvent,
  type WorkerOptions,
} from "@holdfast/core";
import { describe, expect, it } from "vitest";
import { createGeminiAnalyzer } from "../src/analysis/gemini-analyzer.js";
import { createOfflineAnalyzer } from "../src/analysis/offline-analyzer.js";
import { createVideoHandlerFromConfig } from "../src/config/create-from-config.js";
import { loadPipelineConfig } from "../src/config/load-config.js";
import { createVideoHandler } from "../src/handler/video-handler.js";
import { createGcsStorage } from "../src/storage/gcs-storage.js";
import { createLocalStorage } from "../src/storage/local-storage.js";
import type { ObjectStorage } from "../src/storage/object-storage.js";
import { startGcsEmulator } from "../src/testing/gcs-emulator.js";
import { startGeminiEmulator } from "../src/testing/gemini-emulator.js";
import { fixture, onCleanup, workspace } from "./helpers.js";
import { addTask, openTestStore } from "./store.js";

const GOOD = ["tiny-h264-aac.mp4", "tiny-faststart.mp4", "tiny.mov"];
const KEY = "AIzaSy-e2e-key-0123456789";

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function sha256(path: string): Promise<string> {
  return createHash("sha256")
    .update(await readFile(path))
    .digest("hex");
}

async function runWorker(store: TaskStore, handler: TaskHandler, options: Partial<WorkerOptions> = {}) {
  const events: WorkerEvent[] = [];
  const worker = createWorker({
    store,
    machine: videoStageMachine,
    handler,
    once: true,
    concurrency: 2,
    sweepIntervalMs: 0,
    pollIntervalMs: 10,
    onEvent: (e) => events.push(e),
    ...options,
  });
  const stats = await worker.run();
  return { stats, events };
}

async function emulators() {
  const gcs = await startGcsEmulator();
  const gemini = await startGeminiEmulator({ apiKey: KEY });
  onCleanup(() => gcs.close());
  onCleanup(() => gemini.close());
  return { gcs, gemini };
}

function cloudHandler(inbox: string, gcs: { url: string }, gemini: { url: string }, storage?: ObjectStorage) {
  return createVideoHandler({
    inboxDir: inbox,
    storage: storage ?? createGcsStorage({ bucket: "videos", projectId: "test", apiEndpoint: gcs.url }),
    analyzer: createGeminiAnalyzer({ apiKey: KEY, baseUrl: gemini.url, policy: { baseDelayMs: 1 } }),
    ffprobe: null,
  });
}

/**
 * The real store, but the process "dies" right after the paid answer is journaled: the
 * journal write commits, then every later write fails (a dead process writes nothing, and
 * claims nothing), so the row keeps its lease until recovery, exactly as after a SIGKILL.
 */
function diesAfterJournalWrite(store: TaskStore): TaskStore {
  let dead = false;
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      if (prop === "journalSucceed") {
        return async (p: Parameters<TaskStore["journalSucceed"]>[0]) => {
          await target.journalSucceed(p);
          dead = true;
          throw new Error("killed right after the journal write");
        };
      }
      if (dead && prop === "taskClaim") return async () => [];
      if (dead) {
        return async () => {
          throw new Error("the process is dead");
        };
      }
      return value.bind(target);
    },
  });
}

describe("createWorker + video handler + SQLite store, end to end", () => {
  it("local storage + offline analyzer: every good video completes once, its file deleted after the verified copy", async () => {
    const ws = await workspace([...GOOD, "empty.mp4", "truncated-mdat.mp4", "not-a-video.mp4"]);
    await writeFile(join(ws.root, "outside.mp4"), await readFile(fixture("tiny.mov")));
    const store = await openTestStore();
    const ids = new Map<string, number>();
    for (const name of [...GOOD, "empty.mp4", "truncated-mdat.mp4", "not-a-video.mp4", "missing.mp4"]) {
      ids.set(name, await addTask(store, name, { path: name }));
    }
    const escapeId = await addTask(store, "escape", { path: "../outside.mp4" });
    const hashes = new Map(
      await Promise.all(GOOD.map(async (n) => [n, await sha256(join(ws.inbox, n))] as const)),
    );

    // The real local storage, observed: at every look at the stored copy, is the inbox file still there?
    const local = createLocalStorage({ dir: ws.storage });
    const seenAtVerify: boolean[] = [];
    const observed: ObjectStorage = {
      ...local,
      async stat(name, signal) {
        const stored = await local.stat(name, signal);
        const video = GOOD.find((n) => name.includes(hashes.get(n) ?? "-"));
        if (stored && video) seenAtVerify.push(await exists(join(ws.inbox, video)));
        return stored;
      },
    };
    const handler = createVideoHandler({
      inboxDir: ws.inbox,
      storage: observed,
      analyzer: createOfflineAnalyzer(),
      ffprobe: null,
    });
    const { stats } = await runWorker(store, handler);
    expect(stats).toMatchObject({ claimed: 8, completed: 3, failed: 5, released: 0 });

    for (const name of GOOD) {
      const id = ids.get(name) as number;
      const row = await store.taskGet(id);
      expect(row?.stage).toBe("video_analysis_completed");
      const result = await store.taskResult(id);
      expect(result).toMatchObject({ provider: "offline", offline: true, reusedPaidAnswer: false });
      expect((result?.analysis as { shortSummary?: string } | undefined)?.shortSummary).toMatch(
        /^\[offline\]/,
      );
      const upload = row?.data.upload as { uri: string };
      expect(await sha256(fileURLToPath(upload.uri))).toBe(hashes.get(name));
      expect(row?.data.localDeletedAt).toEqual(expect.any(String));
      expect(await exists(join(ws.inbox, name))).toBe(false);
    }
    expect(seenAtVerify.length).toBeGreaterThanOrEqual(3);
    expect(seenAtVerify.every(Boolean)).toBe(true);

    const reasons = Object.fromEntries(
      await Promise.all(
        ["empty.mp4", "truncated-mdat.mp4", "not-a-video.mp4", "missing.mp4"].map(async (n) => {
          const row = await store.taskGet(ids.get(n) as number);
          expect(row?.stage).toBe("failed");
          expect(row?.attempts).toBe(1); // permanent: not retried
          return [n, row?.lastError];
        }),
      ),
    );
    expect(reasons).toEqual({
      "empty.mp4": 'video "empty.mp4": empty file (0 bytes)',
      "truncated-mdat.mp4": expect.stringMatching(/^video "truncated-mdat.mp4": truncated: /),
      "not-a-video.mp4": expect.stringMatching(/not an MP4\/MOV file/),
      "missing.mp4": 'video "missing.mp4": file not found in the inbox',
    });
    for (const n of ["empty.mp4", "truncated-mdat.mp4", "not-a-video.mp4"])
      expect(await exists(join(ws.inbox, n))).toBe(true);

    const escaped = await store.taskGet(escapeId);
    expect(escaped?.stage).toBe("failed");
    expect(escaped?.lastError).toMatch(/refusing path "..\/outside.mp4": .*outside the inbox/);
    expect(await exists(join(ws.root, "outside.mp4"))).toBe(true);
  });

  it("GCS + Gemini emulators: every video completes with one paid call and one verified object", async () => {
    const ws = await workspace(GOOD);
    const { gcs, gemini } = await emulators();
    const store = await openTestStore();
    const ids = await Promise.all(GOOD.map((n) => addTask(store, n, { path: n })));
    // Composed the way the CLI composes it: from the environment.
    const config = loadPipelineConfig({
      HOLDFAST_INBOX_DIR: ws.inbox,
      HOLDFAST_STORAGE: "gcs",
      GCS_BUCKET: "videos",
      GCS_API_ENDPOINT: gcs.url,
      HOLDFAST_ANALYZER: "gemini",
      GEMINI_API_KEY: KEY,
      GEMINI_BASE_URL: gemini.url,
      HOLDFAST_FFPROBE: "off",
    });
    const { handler } = createVideoHandlerFromConfig(config);
    const { stats } = await runWorker(store, handler);
    expect(stats).toMatchObject({ completed: 3, failed: 0, released: 0 });
    expect(gemini.calls).toBe(3);
    expect(gcs.objects()).toHaveLength(3);
    for (const id of ids) {
      const row = await store.taskGet(id);
      expect(row?.stage).toBe("video_analysis_completed");
      const upload = row?.data.upload as { uri: string; verifiedBy: string };
      expect(upload.uri).toMatch(/^gs:\/\/videos\/videos\/[0-9a-f]{64}\.(mp4|mov)$/);
      expect(upload.verifiedBy).toBe("md5");
      const result = await store.taskResult(id);
      expect(result).toMatchObject({
        provider: "gemini",
        offline: false,
        objectUri: upload.uri,
        reusedPaidAnswer: false,
      });
      expect((result?.analysis as { shortSummary?: string } | undefined)?.shortSummary).toContain(upload.uri);
    }
    for (const n of GOOD) expect(await exists(join(ws.inbox, n))).toBe(false);
    expect(await store.journalList({ status: "succeeded" })).toHaveLength(3);
    expect(await store.journalCountPossiblyCharged()).toBe(0);
  });

  it("a checksum mismatch keeps the local file and fails the attempt; the retry uploads again and completes", async () => {
    const ws = await workspace(["tiny.mov"]);
    const { gcs, gemini } = await emulators();
    const store = await openTestStore();
    const id = await addTask(store, "tiny.mov", { path: "tiny.mov" });
    gcs.inject({ op: "upload", kind: "corrupt" });

    const events: WorkerEvent[] = [];
    const first = await runWorker(store, cloudHandler(ws.inbox, gcs, gemini), {
      limit: 1,
      onEvent: (e) => events.push(e),
    });
    expect(first.stats).toMatchObject({ released: 1, completed: 0 });
    const row = await store.taskGet(id);
    expect(row?.stage).toBe("metadata_extracting");
    expect(row?.lastError).toMatch(
      /upload to gs:\/\/videos\/videos\/.* not verified: md5Hash .*local file kept/,
    );
    expect(row?.data.upload).toBeUndefined();
    expect(await exists(join(ws.inbox, "tiny.mov"))).toBe(true);
    expect(gemini.calls).toBe(0);

    await runWorker(store, cloudHandler(ws.inbox, gcs, gemini));
    expect((await store.taskGet(id))?.stage).toBe("video_analysis_completed");
    expect(gcs.calls.upload).toBe(2);
    expect(await exists(join(ws.inbox, "tiny.mov"))).toBe(false);
  });

  it("keeps the local file when the row cannot record the verified upload; the retry finds the object and does not upload again", async () => {
    const ws = await workspace(["tiny-faststart.mp4"]);
    const { gcs, gemini } = await emulators();
    const store = await openTestStore();
    const id = await addTask(store, "tiny-faststart.mp4", { path: "tiny-faststart.mp4" });
    // The real store, with the database "unavailable" for the one write that records the upload.
    let failed = false;
    const flaky = new Proxy(store, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop === "taskAdvance") {
          return async (p: Parameters<TaskStore["taskAdvance"]>[0]) => {
            if (p.to === "processing" && !failed) {
              failed = true;
              throw new Error("database unavailable");
            }
            return target.taskAdvance(p);
          };
        }
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const first = await runWorker(flaky, cloudHandler(ws.inbox, gcs, gemini), { limit: 1 });
    expect(first.stats).toMatchObject({ released: 1 });
    expect(gcs.objects()).toHaveLength(1);
    expect(await exists(join(ws.inbox, "tiny-faststart.mp4"))).toBe(true);

    await runWorker(store, cloudHandler(ws.inbox, gcs, gemini));
    const row = await store.taskGet(id);
    expect(row?.stage).toBe("video_analysis_completed");
    expect(gcs.calls.upload).toBe(1);
    expect(await exists(join(ws.inbox, "tiny-faststart.mp4"))).toBe(false);
  });

  it("malformed answers from the model fail the row with the reason, after the retries", async () => {
    const ws = await workspace(["tiny.mov"]);
    const { gcs, gemini } = await emulators();
    const store = await openTestStore();
    const id = await addTask(store, "tiny.mov", { path: "tiny.mov" });
    gemini.inject({ kind: "malformed-json" }, 3);
    const { stats } = await runWorker(store, cloudHandler(ws.inbox, gcs, gemini));
    expect(stats).toMatchObject({ failed: 1, completed: 0 });
    const row = await store.taskGet(id);
    expect(row?.stage).toBe("failed");
    expect(row?.lastError).toMatch(
      /^gemini returned a malformed analysis: the model's text is not JSON.*3 answers/,
    );
    expect(gemini.calls).toBe(3);
    expect(await store.taskResult(id)).toBeNull();
  });

  it("a paid answer that arrived is never paid for twice, even if the process dies right after saving it", async () => {
    const ws = await workspace(["tiny-h264-aac.mp4"]);
    const { gcs, gemini } = await emulators();
    const store = await openTestStore();
    const id = await addTask(store, "tiny-h264-aac.mp4", { path: "tiny-h264-aac.mp4" });

    await runWorker(diesAfterJournalWrite(store), cloudHandler(ws.inbox, gcs, gemini));
    expect(gemini.calls).toBe(1);
    const orphan = await store.taskGet(id);
    expect(orphan?.stage).toBe("processing"); // still leased by the dead worker
    expect(orphan?.leaseExpiresAt).not.toBeNull();
    expect((await store.journalList({ taskId: id })).map((e) => e.status)).toEqual(["succeeded"]);

    const report = await recover(store, {
      actor: "test",
      now: new Date((orphan?.leaseExpiresAt?.getTime() ?? 0) + 1),
    });
    expect(report.released).toBe(1);
    expect((await store.taskGet(id))?.stage).toBe("metadata_extracting");

    await runWorker(store, cloudHandler(ws.inbox, gcs, gemini));
    expect(gemini.calls).toBe(1);
    expect(gcs.calls.upload).toBe(1); // the verified upload recorded on the row was not repeated
    expect((await store.taskGet(id))?.stage).toBe("video_analysis_completed");
    expect(await store.taskResult(id)).toMatchObject({ reusedPaidAnswer: true });
    expect(await store.journalCountPossiblyCharged()).toBe(0);
  });

  it("a shutdown deadline during the paid call releases the row uncounted; the next worker finishes it", async () => {
    const ws = await workspace(["tiny.mov"]);
    const { gcs, gemini } = await emulators();
    const store = await openTestStore();
    const id = await addTask(store, "tiny.mov", { path: "tiny.mov" });
    gemini.inject({ kind: "hang" });
    const deadline = new AbortController();
    const running = runWorker(store, cloudHandler(ws.inbox, gcs, gemini), { abortSignal: deadline.signal });
    await gemini.counter.reached(1);
    deadline.abort();
    const { stats } = await running;
    expect(stats).toMatchObject({ released: 1, completed: 0 });
    const released = await store.taskGet(id);
    expect(released).toMatchObject({ stage: "metadata_extracting", attempts: 0, leaseOwner: null });
    expect(released?.data.upload).toBeDefined();
    expect(await store.journalCountPossiblyCharged()).toBe(1);

    await runWorker(store, cloudHandler(ws.inbox, gcs, gemini));
    expect((await store.taskGet(id))?.stage).toBe("video_analysis_completed");
    expect(gemini.calls).toBe(2);
    expect(gcs.calls.upload).toBe(1);
  });
});
