import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSchedulerToExit } from "./helpers/scheduler-process.js";
import { sqlite, type TestDatabase } from "./helpers/test-database.js";

const EX_CONFIG = 78;
const EX_UNAVAILABLE = 69;

describe.concurrent("bad configuration: a clear message and a non-zero exit, before anything runs", () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await sqlite.create();
    dir = await mkdtemp(join(tmpdir(), "holdfast-scheduler-config-"));
  });
  afterAll(async () => {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const expectRefused = (
    r: Awaited<ReturnType<typeof runSchedulerToExit>>,
    code: number,
    message: RegExp,
  ) => {
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).not.toContain("listening");
  };

  it("a schedule that is not a cron pattern names the variable", async () => {
    const r = await runSchedulerToExit({ ...db.env, HOLDFAST_SCHEDULE_HEALTH: "every minute" });
    expectRefused(r, EX_CONFIG, /HOLDFAST_SCHEDULE_HEALTH: "every minute" is not a cron pattern/);
  });

  it("a negative port", async () => {
    const r = await runSchedulerToExit({ ...db.env, HOLDFAST_SCHEDULER_PORT: "-1" });
    expectRefused(r, EX_CONFIG, /HOLDFAST_SCHEDULER_PORT must be an integer ≥ 0, got "-1"/);
  });

  it("a typo in the config file is an error, not a silent default", async () => {
    const file = join(dir, "typo.json");
    await writeFile(file, JSON.stringify({ recovery: { schedual: "* * * * *" } }));
    const r = await runSchedulerToExit(db.env, ["--config", file]);
    expectRefused(r, EX_CONFIG, /unknown key\(s\) in recovery: schedual/);
  });

  it("a config file that is not JSON", async () => {
    const file = join(dir, "broken.json");
    await writeFile(file, "{ recovery: ");
    const r = await runSchedulerToExit({ ...db.env, HOLDFAST_SCHEDULER_CONFIG: file });
    expectRefused(r, EX_CONFIG, /broken\.json is not valid JSON/);
  });

  it("an unknown argument", async () => {
    const r = await runSchedulerToExit(db.env, ["--cofnig", "x.json"]);
    expectRefused(r, EX_CONFIG, /unknown argument "--cofnig"/);
  });

  it("a webhook that is not a URL is refused without echoing it (it is a secret)", async () => {
    const r = await runSchedulerToExit({
      ...db.env,
      HOLDFAST_ALERT_WEBHOOK: "hooks.slack.com/services/T0/B0/SECRETTOKEN",
    });
    expectRefused(r, EX_CONFIG, /HOLDFAST_ALERT_WEBHOOK is not a URL/);
    expect(r.stderr).not.toContain("SECRETTOKEN");
  });

  it("a missing SQLite file is not silently created", async () => {
    const r = await runSchedulerToExit({ DATABASE_URL: join(dir, "nowhere", "holdfast.db") });
    expectRefused(r, EX_UNAVAILABLE, /no database at .*nowhere.*run `holdfast migrate`/);
  });

  it("an unreachable Postgres is named without its password", async () => {
    const r = await runSchedulerToExit({
      DATABASE_URL: "postgres://postgres:hunter2secret@127.0.0.1:1/test",
    });
    expectRefused(r, EX_UNAVAILABLE, /cannot (open|use) postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/test/);
    expect(r.stderr).not.toContain("hunter2secret");
  });

  it("analysis batches with a bad pipeline setting", async () => {
    const r = await runSchedulerToExit({
      ...db.env,
      HOLDFAST_SCHEDULE_ANALYSIS: "* * * * *",
      HOLDFAST_ANALYZER: "magic",
    });
    expectRefused(r, EX_CONFIG, /analysis: .*HOLDFAST_ANALYZER/);
  });
});
