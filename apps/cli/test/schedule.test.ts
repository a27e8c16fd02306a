import { expect, it } from "vitest";
import { describeEachDialect } from "./helpers/workspace.js";

interface Check {
  schedulers: Array<{ kind: string; state: string }>;
}

await describeEachDialect("schedule", (ws) => {
  it("runs the scheduler daemon: registers, serves /readyz, and stops on SIGTERM with exit 0", async () => {
    const w = ws();
    await w.setup();
    const daemon = w.start(["schedule", "--port", "0"]);
    const listening = JSON.parse(await daemon.waitFor(/"event":"listening"/)) as { port: number };

    const ready = await fetch(`http://127.0.0.1:${listening.port}/readyz`);
    expect(ready.status).toBe(200);
    const check = await w.json<Check>(["check"]);
    expect(check.schedulers).toEqual([expect.objectContaining({ kind: "scheduler", state: "running" })]);
    const health = await w.run(["health", "--require-scheduler"]);
    expect(health.code, health.stdout).toBe(0);
    expect(health.stdout).toMatch(/scheduler\s+OK/);

    daemon.kill("SIGTERM");
    const exit = await daemon.finished;
    expect(exit.code, daemon.transcript()).toBe(0);
    expect(exit.stdout).toMatch(/"event":"stopped","exitCode":0/);
  });
});
