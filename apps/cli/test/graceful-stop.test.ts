import { expect, it } from "vitest";
import { describeEachDialect } from "./helpers/workspace.js";

interface Check {
  counts: { byStage: Record<string, number>; inFlight: number };
  workers: unknown[];
}
interface Row {
  id: number;
  stage: string;
  attempts: number;
  leaseOwner: string | null;
}

await describeEachDialect("analyze: graceful stop", (ws) => {
  it("SIGTERM mid-batch finishes the video in flight, claims nothing more, prints the count and exits 0", async () => {
    const w = ws();
    const files = await w.samples();
    await w.setup(files);
    // Three videos, one at a time: #2 is "mid-batch".
    const worker = w.start(["analyze", "--offline-latency", "700"]);
    await worker.waitFor(/#1 completed/);
    await worker.waitFor(/#2 metadata_extracting → processing/);
    worker.kill("SIGTERM");
    await worker.waitFor(/received SIGTERM: stopping after the current work \(1 video in flight\)/);
    const exit = await worker.finished;

    expect(exit.code, worker.transcript()).toBe(0);
    expect(exit.stdout).toMatch(/#2 completed/);
    expect(exit.stdout).toMatch(/processed 2 videos: 2 completed, 0 failed/);
    expect(exit.stdout).not.toMatch(/#3 claimed/);
    const check = await w.json<Check>(["check"]);
    expect(check.counts.inFlight).toBe(0);
    expect(check.counts.byStage).toMatchObject({ video_analysis_completed: 2, pending: 1 });
    expect(check.workers).toEqual([]);
  });

  it("when the grace period runs out, aborts the work, releases the row uncounted and exits with the deadline code", async () => {
    const w = ws();
    await w.setup((await w.samples()).slice(0, 1));
    const worker = w.start(["analyze", "--grace", "0.5", "--offline-latency", "60000"]);
    await worker.waitFor(/#1 metadata_extracting → processing/);
    worker.kill("SIGTERM");
    const exit = await worker.finished;

    expect(exit.code, worker.transcript()).toBe(75);
    expect(exit.stdout).toMatch(/grace period over/);
    expect(exit.stdout).toMatch(/#1 released \(attempt not counted\)/);
    expect(exit.stdout).toMatch(/processed 0 videos: 0 completed, 0 failed, 1 released/);
    const row = await w.json<Row>(["show", "1"]);
    expect(row).toMatchObject({ stage: "metadata_extracting", attempts: 0, leaseOwner: null });
  });

  it("a second signal skips the wait and releases at once", async () => {
    const w = ws();
    await w.setup((await w.samples()).slice(0, 1));
    const worker = w.start(["analyze", "--offline-latency", "60000"]);
    await worker.waitFor(/#1 metadata_extracting → processing/);
    worker.kill("SIGTERM");
    await worker.waitFor(/stopping after the current work/);
    worker.kill("SIGINT");
    const exit = await worker.finished;

    expect(exit.code, worker.transcript()).toBe(75);
    expect(exit.stdout).toMatch(/#1 released/);
    const check = await w.json<Check>(["check"]);
    expect(check.counts.inFlight).toBe(0);
  });

  it("--log-format json writes pino records, the stop sentence among them", async () => {
    const w = ws();
    await w.setup((await w.samples()).slice(0, 1));
    const worker = w.start(["analyze", "--once", "--log-format", "json"]);
    const exit = await worker.finished;
    expect(exit.code, worker.transcript()).toBe(0);
    const records = exit.stdout.split("\n").map((l) => JSON.parse(l) as { msg: string; exitCode?: number });
    const messages = records.map((r) => r.msg);
    expect(messages).toContain("#1 completed");
    expect(messages).toContain("nothing left to do: stopping");
    expect(messages).toContain("processed 1 video: 1 completed, 0 failed");
    // The shutdown coordinator's own record closes the log.
    expect(records.at(-1)).toMatchObject({ msg: "stopped", exitCode: 0 });
  });
});
