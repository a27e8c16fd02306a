import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { ConfigError, type HealthThresholds } from "@holdfast/core";
import { Cron } from "croner";
import { SCHEDULER_DEFAULTS } from "../defaults.js";

/** The environment variables loadSchedulerConfig reads (the README's table lists the same). */
export const SCHEDULER_ENV = Object.freeze({
  configFile: "HOLDFAST_SCHEDULER_CONFIG",
  databaseUrl: "DATABASE_URL",
  postgresSchema: "HOLDFAST_POSTGRES_SCHEMA",
  host: "HOLDFAST_SCHEDULER_HOST",
  port: "HOLDFAST_SCHEDULER_PORT",
  gracePeriodMs: "HOLDFAST_SCHEDULER_GRACE_MS",
  lockTtlMs: "HOLDFAST_SCHEDULER_LOCK_TTL_MS",
  tickLockTtlMs: "HOLDFAST_SCHEDULER_TICK_LOCK_TTL_MS",
  heartbeatIntervalMs: "HOLDFAST_SCHEDULER_HEARTBEAT_MS",
  recoverySchedule: "HOLDFAST_SCHEDULE_RECOVERY",
  analysisSchedule: "HOLDFAST_SCHEDULE_ANALYSIS",
  healthSchedule: "HOLDFAST_SCHEDULE_HEALTH",
  legacyTimeoutMs: "HOLDFAST_RECOVERY_LEGACY_TIMEOUT_MS",
  alertWebhook: "HOLDFAST_ALERT_WEBHOOK",
});

export interface JobConfig {
  enabled: boolean;
  /** A cron pattern: 5 fields, or 6 with seconds first. */
  schedule: string;
  withoutOverlapping: boolean;
  onOneServer: boolean;
}

export interface SchedulerConfig {
  /** Contains the password, if any: never log it (use `redactSchedulerConfig`). */
  databaseUrl: string;
  postgresSchema?: string;
  host: string;
  port: number;
  gracePeriodMs: number;
  lockTtlMs: number;
  tickLockTtlMs: number;
  heartbeatIntervalMs: number;
  recovery: JobConfig & { legacyTimeoutMs: number | null; maxAttempts: number };
  analysis: JobConfig & {
    concurrency: number;
    leaseTtlMs: number;
    maxAttempts: number;
    limit: number;
    /** The pipeline's JSON config file; else the pipeline reads $HOLDFAST_PIPELINE_CONFIG. */
    pipelineConfig?: string;
  };
  health: JobConfig & {
    /** A Slack-compatible incoming webhook. The URL itself is a secret: never log it. */
    webhookUrl?: string;
    webhookTimeoutMs: number;
    thresholds: Partial<HealthThresholds>;
  };
}

type Json = Record<string, unknown>;
const TOP_KEYS = [
  "databaseUrl",
  "postgresSchema",
  "host",
  "port",
  "gracePeriodMs",
  "lockTtlMs",
  "tickLockTtlMs",
  "heartbeatIntervalMs",
  "recovery",
  "analysis",
  "health",
];
const JOB_KEYS = ["enabled", "schedule", "withoutOverlapping", "onOneServer"];
const THRESHOLD_KEYS: Array<keyof HealthThresholds> = [
  "stuckWarning",
  "stuckCritical",
  "failedWarning",
  "failedCritical",
  "failedWindowMs",
  "possiblyChargedWarning",
  "deadWorkerAfterMs",
  "deadWorkersWarning",
  "schedulerStaleAfterMs",
  "requireScheduler",
  "legacyTimeoutMs",
];

function readFile(path: string): Json {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read the scheduler config file ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`the scheduler config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new ConfigError(`the scheduler config file ${path} must hold a JSON object`);
  return parsed as Json;
}

function section(obj: Json, key: string, where: string): Json {
  const value = obj[key];
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ConfigError(`${where}${key} must be an object`);
  return value as Json;
}

function unknownKeys(obj: Json, allowed: string[], where: string): void {
  const extra = Object.keys(obj).filter((k) => !allowed.includes(k));
  // A typo ("schedual") silently falling back to a default is how a job stops running unnoticed.
  if (extra.length > 0)
    throw new ConfigError(`unknown key(s) in ${where || "the config file"}: ${extra.join(", ")}`);
}

/** Reads one setting: the environment wins over the file, the file over the default. */
class Reader {
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly file: Json,
    private readonly fileName: string,
  ) {}

  private raw(envName: string | undefined, path: string[]): { value: unknown; from: string } | undefined {
    const fromEnv = envName ? this.env[envName]?.trim() : undefined;
    if (fromEnv) return { value: fromEnv, from: envName as string };
    let node: unknown = this.file;
    for (const key of path) node = (node as Json | undefined)?.[key];
    return node === undefined ? undefined : { value: node, from: `${path.join(".")} in ${this.fileName}` };
  }

  string(envName: string | undefined, path: string[], fallback: string): string;
  string(envName: string | undefined, path: string[]): string | undefined;
  string(envName: string | undefined, path: string[], fallback?: string): string | undefined {
    const r = this.raw(envName, path);
    if (!r) return fallback;
    if (typeof r.value !== "string" || r.value.trim() === "")
      throw new ConfigError(`${r.from} must be a non-empty string`);
    return r.value.trim();
  }

  int(envName: string | undefined, path: string[], fallback: number, min: number): number {
    const r = this.raw(envName, path);
    if (!r) return fallback;
    const n = typeof r.value === "string" ? Number(r.value) : r.value;
    if (typeof n !== "number" || !Number.isInteger(n) || n < min)
      throw new ConfigError(`${r.from} must be an integer ≥ ${min}, got ${JSON.stringify(r.value)}`);
    return n;
  }

  bool(path: string[], fallback: boolean): boolean {
    const r = this.raw(undefined, path);
    if (!r) return fallback;
    if (typeof r.value !== "boolean") throw new ConfigError(`${r.from} must be true or false`);
    return r.value;
  }

  /** A schedule: a cron pattern, or "off" (env only) to disable the job. */
  job(envName: string, name: string, defaults: JobConfig): JobConfig {
    const r = this.raw(envName, [name, "schedule"]);
    const off = typeof r?.value === "string" && /^(off|false|disabled?)$/i.test(r.value.trim());
    const schedule = off
      ? defaults.schedule
      : (this.string(envName, [name, "schedule"]) ?? defaults.schedule);
    if (!off) validatePattern(schedule, r?.from ?? `the default ${name} schedule`);
    const fromEnv = r?.from === envName && !off;
    return {
      // Setting a schedule in the environment turns the job on; "off" turns it off.
      enabled: off ? false : fromEnv ? true : this.bool([name, "enabled"], defaults.enabled),
      schedule,
      withoutOverlapping: this.bool([name, "withoutOverlapping"], defaults.withoutOverlapping),
      onOneServer: this.bool([name, "onOneServer"], defaults.onOneServer),
    };
  }
}

export function validatePattern(pattern: string, from: string): void {
  try {
    new Cron(pattern, { paused: true, mode: "5-or-6-parts" }).stop();
  } catch (err) {
    throw new ConfigError(
      `${from}: "${pattern}" is not a cron pattern (5 fields, or 6 with seconds first): ${(err as Error).message}`,
    );
  }
}

function httpUrl(value: string | undefined, from: string): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // The value is a secret: say what is wrong without echoing it.
    throw new ConfigError(`${from} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new ConfigError(`${from} must be an http(s) URL, got ${url.protocol}`);
  return value;
}

function thresholds(file: Json, where: string): Partial<HealthThresholds> {
  const t = section(section(file, "health", ""), "thresholds", "health.");
  unknownKeys(t, THRESHOLD_KEYS, `${where}health.thresholds`);
  for (const [key, value] of Object.entries(t)) {
    const ok =
      key === "requireScheduler"
        ? typeof value === "boolean"
        : Number.isFinite(value) && (value as number) >= 0;
    if (!ok)
      throw new ConfigError(
        `health.thresholds.${key} in ${where} must be ${key === "requireScheduler" ? "true or false" : "a number ≥ 0"}`,
      );
  }
  return t as Partial<HealthThresholds>;
}

/**
 * Reads the scheduler's configuration from the environment and, optionally, a JSON file
 * (`file`, else $HOLDFAST_SCHEDULER_CONFIG). The environment wins over the file; relative
 * paths in the file are relative to the file. Anything wrong is a ConfigError that names
 * the setting and where it came from.
 */
export function loadSchedulerConfig(env: NodeJS.ProcessEnv, file?: string): SchedulerConfig {
  const D = SCHEDULER_DEFAULTS;
  const path = file ?? env[SCHEDULER_ENV.configFile]?.trim() ?? undefined;
  const json = path ? readFile(path) : {};
  const fileName = path ?? "(no file)";
  const baseDir = path ? dirname(resolve(path)) : process.cwd();
  unknownKeys(json, TOP_KEYS, path ?? "");
  unknownKeys(section(json, "recovery", ""), [...JOB_KEYS, "legacyTimeoutMs", "maxAttempts"], "recovery");
  unknownKeys(
    section(json, "analysis", ""),
    [...JOB_KEYS, "concurrency", "leaseTtlMs", "maxAttempts", "limit", "pipelineConfig"],
    "analysis",
  );
  unknownKeys(
    section(json, "health", ""),
    [...JOB_KEYS, "webhookUrl", "webhookTimeoutMs", "thresholds"],
    "health",
  );
  const r = new Reader(env, json, fileName);
  const E = SCHEDULER_ENV;

  // A legacy timeout of "off" (env) or null (file) means: judge rows by their leases only.
  const legacyRaw = env[E.legacyTimeoutMs]?.trim();
  const legacyFromFile = section(json, "recovery", "").legacyTimeoutMs;
  const legacyOff = (legacyRaw && /^off$/i.test(legacyRaw)) || (!legacyRaw && legacyFromFile === null);
  const legacyTimeoutMs = legacyOff
    ? null
    : r.int(E.legacyTimeoutMs, ["recovery", "legacyTimeoutMs"], D.recovery.legacyTimeoutMs, 0);

  const pipelineConfig = r.string(undefined, ["analysis", "pipelineConfig"]);
  const config: SchedulerConfig = {
    databaseUrl: r.string(E.databaseUrl, ["databaseUrl"], D.databaseUrl),
    host: r.string(E.host, ["host"], D.host),
    port: r.int(E.port, ["port"], D.port, 0),
    gracePeriodMs: r.int(E.gracePeriodMs, ["gracePeriodMs"], D.gracePeriodMs, 0),
    lockTtlMs: r.int(E.lockTtlMs, ["lockTtlMs"], D.lockTtlMs, 3),
    tickLockTtlMs: r.int(E.tickLockTtlMs, ["tickLockTtlMs"], D.tickLockTtlMs, 1),
    heartbeatIntervalMs: r.int(E.heartbeatIntervalMs, ["heartbeatIntervalMs"], D.heartbeatIntervalMs, 1),
    recovery: {
      ...r.job(E.recoverySchedule, "recovery", D.recovery),
      legacyTimeoutMs,
      maxAttempts: r.int(undefined, ["recovery", "maxAttempts"], D.recovery.maxAttempts, 1),
    },
    analysis: {
      ...r.job(E.analysisSchedule, "analysis", D.analysis),
      concurrency: r.int(undefined, ["analysis", "concurrency"], D.analysis.concurrency, 1),
      leaseTtlMs: r.int(undefined, ["analysis", "leaseTtlMs"], D.analysis.leaseTtlMs, 3),
      maxAttempts: r.int(undefined, ["analysis", "maxAttempts"], D.analysis.maxAttempts, 1),
      limit: r.int(undefined, ["analysis", "limit"], D.analysis.limit, 1),
      ...(pipelineConfig
        ? { pipelineConfig: isAbsolute(pipelineConfig) ? pipelineConfig : resolve(baseDir, pipelineConfig) }
        : {}),
    },
    health: {
      ...r.job(E.healthSchedule, "health", D.health),
      webhookTimeoutMs: r.int(undefined, ["health", "webhookTimeoutMs"], D.health.webhookTimeoutMs, 1),
      thresholds: thresholds(json, fileName),
    },
  };
  const webhookUrl = httpUrl(
    r.string(E.alertWebhook, ["health", "webhookUrl"]),
    env[E.alertWebhook]?.trim() ? E.alertWebhook : `health.webhookUrl in ${fileName}`,
  );
  if (webhookUrl) config.health.webhookUrl = webhookUrl;
  // `?schema=` in a postgres URL (the CLI's convention) is moved to postgresSchema: the driver
  // does not know the parameter.
  let schema = r.string(E.postgresSchema, ["postgresSchema"]);
  if (/^postgres(ql)?:\/\//i.test(config.databaseUrl)) {
    let url: URL;
    try {
      url = new URL(config.databaseUrl);
    } catch {
      throw new ConfigError("the database URL is not a valid postgres:// URL");
    }
    const fromUrl = url.searchParams.get("schema");
    if (fromUrl) {
      if (schema && schema !== fromUrl)
        throw new ConfigError(`the database URL names schema "${fromUrl}" but postgresSchema is "${schema}"`);
      schema = fromUrl;
      url.searchParams.delete("schema");
      config.databaseUrl = url.toString();
    }
  }
  if (schema) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema))
      throw new ConfigError(`the Postgres schema must be a plain identifier, got "${schema}"`);
    config.postgresSchema = schema;
  }
  if (config.tickLockTtlMs < 1000)
    throw new ConfigError(
      `tickLockTtlMs must be at least 1000 ms (it must outlast a late tick), got ${config.tickLockTtlMs}`,
    );
  return config;
}
