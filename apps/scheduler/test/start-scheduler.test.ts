import { afterEach, describe, expect, it } from "vitest";
import { loadSchedulerConfig, type SchedulerEvent, startScheduler } from "../src/index.js";
import { sqlite, type TestDatabase } from "./helpers/test-database.js";

// The API `holdfast schedule` composes: start in-process, stop from code, no process.exit.
describe("startScheduler (in-process)", () => {
  let db: TestDatabase;
  afterEach(() => db.drop());

  it("serves, runs a job, and stop() resolves once everything is closed", async () => {
    db = await sqlite.create();
    const config = loadSchedulerConfig({
      ...db.env,
      HOLDFAST_SCHEDULER_HOST: "127.0.0.1",
      HOLDFAST_SCHEDULER_PORT: "0",
      HOLDFAST_SCHEDULE_RECOVERY: "* * * * * *",
      HOLDFAST_SCHEDULE_HEALTH: "off",
    });
    const events: SchedulerEvent[] = [];
    let ran: () => void = () => {};
    const firstRun = new Promise<void>((resolve) => {
      ran = resolve;
    });
    const scheduler = await startScheduler({
      config,
      handleSignals: false,
      emit: (e) => {
        events.push(e);
        if (e.event === "job-finished") ran();
      },
    });
    expect(scheduler.port).toBeGreaterThan(0);
    expect((await fetch(`http://127.0.0.1:${scheduler.port}/readyz`)).status).toBe(200);
    await firstRun;
    await scheduler.stop();
    expect(await scheduler.stopped).toBe(0);
    expect(events.at(-1)).toEqual({ event: "stopped", exitCode: 0 });
    await expect(fetch(`http://127.0.0.1:${scheduler.port}/healthz`)).rejects.toThrow();
  });
});
