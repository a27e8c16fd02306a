import { expect, it } from "vitest";
import { describeEachDialect, type Workspace } from "./helpers/workspace.js";

interface Row {
  id: number;
  stage: string;
  attempts: number;
  leaseOwner: string | null;
}
interface Plan {
  found: Array<{ id: number; stage: string; kind: string; plannedAction: string }>;
  actions: unknown[];
}

/** Waits until the database reports the row stuck: the killed worker's lease expired. */
async function untilStuck(w: Workspace): Promise<Plan> {
  for (;;) {
    const plan = await w.json<Plan>(["recover", "--dry-run"]);
    if (plan.found.length > 0) return plan;
  }
}

await describeEachDialect("recover after a crash", (ws) => {
  it("SIGKILL leaves the row stuck; --dry-run lists it, recover without --yes refuses, both change nothing; --yes releases it; analyze --once completes it", async () => {
    const w = ws();
    await w.setup((await w.samples()).slice(0, 1));
    const worker = w.start(["analyze", "--lease-ttl", "1", "--offline-latency", "60000"]);
    await worker.waitFor(/#1 metadata_extracting → processing/);
    worker.kill("SIGKILL");
    expect((await worker.finished).signal).toBe("SIGKILL");

    const plan = await untilStuck(w);
    expect(plan.found).toEqual([
      expect.objectContaining({
        id: 1,
        stage: "processing",
        kind: "lease_expired",
        plannedAction: "release → metadata_extracting",
      }),
    ]);
    expect(plan.actions).toEqual([]);
    const table = await w.run(["recover", "--dry-run"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/id\s+source id\s+stage\s+last update\s+stuck for\s+attempts/);
    expect(table.stdout).toMatch(/dry run: nothing was changed/);
    expect(await w.json<Row>(["show", "1"])).toMatchObject({ stage: "processing", attempts: 1 });

    // Without --yes and without a terminal: refuse, change nothing, exit non-zero. Piped input
    // is not a person, so even a "y" on stdin must not count as a confirmation.
    const refused = await w.run(["recover"], { input: "y\n" });
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(/1 stuck row/);
    expect(refused.stderr).toMatch(/nothing was changed: stdin is not a terminal.*--yes/);
    expect(refused.stdout).not.toMatch(/recovered/);
    expect(await w.json<Row>(["show", "1"])).toMatchObject({ stage: "processing", attempts: 1 });

    // The seed's command name and flags work too.
    const seed = await w.run(["analysis:recover", "--timeout=3600", "--dry-run"]);
    expect(seed.code).toBe(0);
    expect(seed.stdout).toMatch(/1 stuck row/);

    const recovered = await w.run(["recover", "--yes"]);
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(recovered.stdout).toMatch(/recovered 1 row: 1 released, 0 failed/);
    expect(await w.json<Row>(["show", "1"])).toMatchObject({
      stage: "metadata_extracting",
      attempts: 1,
      leaseOwner: null,
    });

    const finish = await w.run(["analyze", "--once"]);
    expect(finish.code, finish.stderr).toBe(0);
    expect(finish.stdout).toMatch(/#1 completed/);
    expect(await w.json<Row>(["show", "1"])).toMatchObject({
      stage: "video_analysis_completed",
      attempts: 2,
    });
  });
});
