import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@holdfast/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCHEDULER_DEFAULTS } from "../defaults.js";
import { loadSchedulerConfig } from "./load-config.js";
import { redactSchedulerConfig } from "./redact-config.js";

describe("loadSchedulerConfig", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "holdfast-scheduler-cfg-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const file = async (name: string, json: unknown) => {
    const path = join(dir, name);
    await writeFile(path, JSON.stringify(json));
    return path;
  };

  it("with nothing set, is SCHEDULER_DEFAULTS", () => {
    const c = loadSchedulerConfig({});
    const D = SCHEDULER_DEFAULTS;
    expect(c).toMatchObject({
      databaseUrl: D.databaseUrl,
      port: D.port,
      lockTtlMs: D.lockTtlMs,
      tickLockTtlMs: D.tickLockTtlMs,
      gracePeriodMs: D.gracePeriodMs,
      recovery: { ...D.recovery },
      analysis: { ...D.analysis },
      health: { enabled: true, schedule: D.health.schedule, thresholds: {} },
    });
    // The seed's rule, on by default: an unattended recovery with the one-hour legacy timeout.
    expect(c.recovery).toMatchObject({ enabled: true, schedule: "*/10 * * * *", legacyTimeoutMs: 3_600_000 });
  });

  it("reads the file; the environment wins over it", async () => {
    const path = await file("both.json", {
      port: 9000,
      lockTtlMs: 5000,
      recovery: { schedule: "*/5 * * * *", maxAttempts: 3 },
      analysis: { enabled: true, pipelineConfig: "pipeline.json", limit: 7 },
      health: { thresholds: { stuckCritical: 3, requireScheduler: true } },
    });
    const c = loadSchedulerConfig({ HOLDFAST_SCHEDULER_PORT: "0", HOLDFAST_SCHEDULE_HEALTH: "off" }, path);
    expect(c.port).toBe(0);
    expect(c.lockTtlMs).toBe(5000);
    expect(c.recovery).toMatchObject({ schedule: "*/5 * * * *", maxAttempts: 3 });
    expect(c.analysis).toMatchObject({ enabled: true, limit: 7, pipelineConfig: join(dir, "pipeline.json") });
    expect(c.health.enabled).toBe(false);
    expect(c.health.thresholds).toEqual({ stuckCritical: 3, requireScheduler: true });
  });

  it("a schedule in the environment turns its job on; seconds-level patterns are accepted", () => {
    const c = loadSchedulerConfig({ HOLDFAST_SCHEDULE_ANALYSIS: "*/2 * * * * *" });
    expect(c.analysis).toMatchObject({ enabled: true, schedule: "*/2 * * * * *" });
  });

  it("legacy timeout off means leases only", async () => {
    expect(
      loadSchedulerConfig({ HOLDFAST_RECOVERY_LEGACY_TIMEOUT_MS: "off" }).recovery.legacyTimeoutMs,
    ).toBeNull();
    const path = await file("legacy.json", { recovery: { legacyTimeoutMs: null } });
    expect(loadSchedulerConfig({}, path).recovery.legacyTimeoutMs).toBeNull();
  });

  it("moves ?schema= from a postgres URL to postgresSchema", () => {
    const c = loadSchedulerConfig({ DATABASE_URL: "postgres://u:pw@db:5432/app?schema=hf_one" });
    expect(c.postgresSchema).toBe("hf_one");
    expect(c.databaseUrl).toBe("postgres://u:pw@db:5432/app");
  });

  it.each([
    [{ HOLDFAST_SCHEDULER_LOCK_TTL_MS: "2" }, /HOLDFAST_SCHEDULER_LOCK_TTL_MS must be an integer ≥ 3/],
    [{ HOLDFAST_SCHEDULER_TICK_LOCK_TTL_MS: "500" }, /tickLockTtlMs must be at least 1000 ms/],
    [
      { HOLDFAST_SCHEDULE_RECOVERY: "61 * * * *" },
      /HOLDFAST_SCHEDULE_RECOVERY: "61 \* \* \* \*" is not a cron pattern/,
    ],
    [{ HOLDFAST_POSTGRES_SCHEMA: "a;drop" }, /plain identifier/],
    [{ HOLDFAST_ALERT_WEBHOOK: "ftp://x/y" }, /must be an http\(s\) URL/],
  ])("refuses %j", (env, message) => {
    expect(() => loadSchedulerConfig(env)).toThrow(ConfigError);
    expect(() => loadSchedulerConfig(env)).toThrow(message);
  });

  it("refuses bad thresholds and wrong types in the file, naming the key", async () => {
    const bad = await file("bad-threshold.json", { health: { thresholds: { stuckWarnin: 1 } } });
    expect(() => loadSchedulerConfig({}, bad)).toThrow(
      /unknown key\(s\) in .*health\.thresholds: stuckWarnin/,
    );
    const wrongType = await file("wrong-type.json", { recovery: { enabled: "yes" } });
    expect(() => loadSchedulerConfig({}, wrongType)).toThrow(/recovery\.enabled in .* must be true or false/);
  });

  it("redacts the database password and the webhook's token path", () => {
    const c = loadSchedulerConfig({
      DATABASE_URL: "postgres://u:s3cret@db/app",
      HOLDFAST_ALERT_WEBHOOK: "https://hooks.slack.com/services/T0/B0/TOKEN123",
    });
    const shown = JSON.stringify(redactSchedulerConfig(c));
    expect(shown).not.toContain("s3cret");
    expect(shown).not.toContain("TOKEN123");
    expect(shown).toContain("https://hooks.slack.com/***");
  });
});
