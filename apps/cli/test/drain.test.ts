import { expect, it } from "vitest";
import { describeEachDialect } from "./helpers/workspace.js";

await describeEachDialect("drain", (ws) => {
  it("drain --wait returns once every worker finished its current video and stopped", async () => {
    const w = ws();
    const files = await w.samples();
    await w.setup(files);
    // A 3 s lease heartbeats every second: the drain is seen within a second.
    const args = ["analyze", "--lease-ttl", "3", "--offline-latency", "1500"];
    const a = w.start(args);
    const b = w.start(args);
    await a.waitFor(/→ processing/);
    await b.waitFor(/→ processing/);

    const drain = await w.run(["drain", "--wait", "--timeout", "60"]);
    expect(drain.code, `${drain.stdout}\n${drain.stderr}`).toBe(0);
    expect(drain.stdout).toMatch(/asked 2 workers to stop after the current work/);
    expect(drain.stdout).toMatch(/drained: no asked worker is running/);

    for (const worker of [a, b]) {
      const exit = await worker.finished;
      expect(exit.code, worker.transcript()).toBe(0);
      expect(exit.stdout).toMatch(/drain requested: stopping after the current work/);
    }
    const check = await w.json<{ counts: { inFlight: number; byStage: Record<string, number> } }>(["check"]);
    expect(check.counts.inFlight).toBe(0);
    expect(check.counts.byStage.video_analysis_completed).toBeGreaterThanOrEqual(2);
  });

  it("drain with no worker running says so and returns at once", async () => {
    const w = ws();
    await w.setup();
    const r = await w.run(["drain", "--wait"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/asked 0 workers/);
  });
});
