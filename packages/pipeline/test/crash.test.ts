import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { createWorker, recover, videoStageMachine } from "@holdfast/core";
import { describe, expect, it } from "vitest";
import { createGeminiAnalyzer } from "../src/analysis/gemini-analyzer.js";
import { createVideoHandler } from "../src/handler/video-handler.js";
import { createGcsStorage } from "../src/storage/gcs-storage.js";
import { startGcsEmulator } from "../src/testing/gcs-emulator.js";
import { startGeminiEmulator } from "../src/testing/gemini-emulator.js";
import { onCleanup, workspace } from "./helpers.js";
import { addTask, openTestStore } from "./store.js";

const KEY = "AIzaSy-crash-key-0123456789";
const CHILD = fileURLToPath(new URL("./fixtures/crash-after-journal.mjs", import.meta.url));

describe("a worker process SIGKILLed right after the paid answer was journaled", () => {
  it("is recovered, and the rerun reuses the answer: the server's call count does not grow", async () => {
    const ws = await workspace(["tiny-h264-aac.mp4"]);
    const gcs = await startGcsEmulator();
    const gemini = await startGeminiEmulator({ apiKey: KEY });
    onCleanup(() => gcs.close());
    onCleanup(() => gemini.close());
    const store = await openTestStore();
    const id = await addTask(store, "tiny-h264-aac.mp4", { path: "tiny-h264-aac.mp4" });

    // The child runs the built packages (dist/), as a deployed worker would.
    const child = spawn(process.execPath, [CHILD, store.url, ws.inbox, gcs.url, gemini.url, KEY], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
    expect({ code, signal, output }).toEqual({ code: null, signal: "SIGKILL", output: "" });
    expect(gemini.calls).toBe(1);

    const orphan = await store.taskGet(id);
    expect(orphan?.stage).toBe("processing");
    expect((await store.journalList({ taskId: id })).map((e) => e.status)).toEqual(["succeeded"]);

    const report = await recover(store, {
      actor: "test",
      now: new Date((orphan?.leaseExpiresAt?.getTime() ?? 0) + 1),
    });
    expect(report.actions).toMatchObject([{ id, action: "released", toStage: "metadata_extracting" }]);

    const handler = createVideoHandler({
      inboxDir: ws.inbox,
      storage: createGcsStorage({ bucket: "videos", projectId: "test", apiEndpoint: gcs.url }),
      analyzer: createGeminiAnalyzer({ apiKey: KEY, baseUrl: gemini.url }),
      ffprobe: null,
    });
    const stats = await createWorker({
      store,
      machine: videoStageMachine,
      handler,
      once: true,
      sweepIntervalMs: 0,
    }).run();
    expect(stats.completed).toBe(1);
    expect(gemini.calls).toBe(1);
    expect(gcs.calls.upload).toBe(1);
    expect(await store.taskResult(id)).toMatchObject({ reusedPaidAnswer: true, provider: "gemini" });
    expect(await store.journalCountPossiblyCharged()).toBe(0);
  });
});
