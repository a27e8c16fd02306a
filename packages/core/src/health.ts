import { DEFAULTS } from "./defaults.js";
import type { TaskStore } from "./ports/task-store.js";

/** Nagios plugin convention, which every monitoring system understands. */
export const HEALTH_STATUS = Object.freeze({ OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 });
export type HealthStatus = (typeof HEALTH_STATUS)[keyof typeof HEALTH_STATUS];
export const HEALTH_STATUS_NAME: Record<HealthStatus, string> = {
  0: "OK",
  1: "WARNING",
  2: "CRITICAL",
  3: "UNKNOWN",
};

export interface HealthThresholds {
  /** Stuck rows (expired leases, legacy rows past the timeout): at or above → WARNING / CRITICAL. */
  stuckWarning: number;
  stuckCritical: number;
  /** Rows that moved to failed within `failedWindowMs`. */
  failedWarning: number;
  failedCritical: number;
  failedWindowMs: number;
  /** Paid calls started and never answered. Each may have been charged: worth a look. */
  possiblyChargedWarning: number;
  /** Registered workers whose heartbeat is older than this are dead (their rows will be recovered). */
  deadWorkerAfterMs: number;
  deadWorkersWarning: number;
  /** A registered scheduler whose heartbeat is older than this is down: nothing sweeps → CRITICAL. */
  schedulerStaleAfterMs: number;
  /** When true, having no scheduler registered at all is a WARNING. */
  requireScheduler: boolean;
  /** The seed's legacy rule, used to count legacy stuck rows too. */
  legacyTimeoutMs: number;
}

export const HEALTH_DEFAULTS: Readonly<HealthThresholds> = Object.freeze({
  stuckWarning: 1,
  stuckCritical: 10,
  failedWarning: 1,
  failedCritical: 10,
  failedWindowMs: 3_600_000,
  possiblyChargedWarning: 1,
  deadWorkerAfterMs: DEFAULTS.deadWorkerTtls * DEFAULTS.leaseTtlMs,
  deadWorkersWarning: 1,
  // The scheduler's recovery tick is every ten minutes; two missed ticks is an outage.
  schedulerStaleAfterMs: 20 * 60_000,
  requireScheduler: false,
  legacyTimeoutMs: DEFAULTS.legacyTimeoutMs,
});

export interface HealthCheck {
  name: "database" | "stuck" | "failed" | "possibly_charged" | "workers" | "scheduler";
  status: HealthStatus;
  value: number | null;
  message: string;
}

export interface HealthReport {
  status: HealthStatus;
  statusName: string;
  checks: HealthCheck[];
  at: Date;
}

function level(value: number, warning: number, critical = Number.POSITIVE_INFINITY): HealthStatus {
  if (value >= critical) return HEALTH_STATUS.CRITICAL;
  if (value >= warning) return HEALTH_STATUS.WARNING;
  return HEALTH_STATUS.OK;
}

function worst(checks: HealthCheck[]): HealthStatus {
  // UNKNOWN outranks everything: a check that could not run is never reported healthy
  // (the seed's script said "all fine" when its own query failed).
  if (checks.some((c) => c.status === HEALTH_STATUS.UNKNOWN)) return HEALTH_STATUS.UNKNOWN;
  return Math.max(HEALTH_STATUS.OK, ...checks.map((c) => c.status)) as HealthStatus;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The health rules: each check runs on its own, and a check that throws is UNKNOWN with
 * the error, never OK. An unreachable database makes the whole report UNKNOWN.
 */
export async function checkHealth(
  store: TaskStore,
  options: { now?: Date; thresholds?: Partial<HealthThresholds> } = {},
): Promise<HealthReport> {
  const now = options.now ?? new Date();
  const t: HealthThresholds = { ...HEALTH_DEFAULTS, ...options.thresholds };
  const checks: HealthCheck[] = [];
  const finish = (): HealthReport => {
    const status = worst(checks);
    return { status, statusName: HEALTH_STATUS_NAME[status], checks, at: now };
  };

  try {
    await store.ping();
    checks.push({
      name: "database",
      status: HEALTH_STATUS.OK,
      value: null,
      message: `${store.dialect} reachable`,
    });
  } catch (err) {
    checks.push({
      name: "database",
      status: HEALTH_STATUS.UNKNOWN,
      value: null,
      message: `database unreachable: ${message(err)}`,
    });
    return finish();
  }

  const run = async (name: HealthCheck["name"], fn: () => Promise<Omit<HealthCheck, "name">>) => {
    try {
      checks.push({ name, ...(await fn()) });
    } catch (err) {
      checks.push({
        name,
        status: HEALTH_STATUS.UNKNOWN,
        value: null,
        message: `check failed: ${message(err)}`,
      });
    }
  };

  await run("stuck", async () => {
    const stuck = await store.taskFindStuck({
      now,
      legacyUpdatedBefore: new Date(now.getTime() - t.legacyTimeoutMs),
    });
    return {
      status: level(stuck.length, t.stuckWarning, t.stuckCritical),
      value: stuck.length,
      message:
        stuck.length === 0 ? "no stuck rows" : `${stuck.length} stuck row(s): run \`holdfast recover\``,
    };
  });
  await run("failed", async () => {
    const failed = await store.taskCountFailedSince({ since: new Date(now.getTime() - t.failedWindowMs) });
    return {
      status: level(failed, t.failedWarning, t.failedCritical),
      value: failed,
      message: `${failed} row(s) failed in the last ${Math.round(t.failedWindowMs / 60_000)} min`,
    };
  });
  await run("possibly_charged", async () => {
    const n = await store.journalCountPossiblyCharged();
    return {
      status: level(n, t.possiblyChargedWarning),
      value: n,
      message:
        n === 0
          ? "every paid call was answered"
          : `${n} paid call(s) started and never answered: possibly charged`,
    };
  });

  let workers: Awaited<ReturnType<TaskStore["workerList"]>> | undefined;
  await run("workers", async () => {
    workers = await store.workerList({});
    const alive = workers.filter((w) => w.kind === "worker");
    const dead = alive.filter((w) => now.getTime() - w.lastHeartbeatAt.getTime() > t.deadWorkerAfterMs);
    return {
      status: level(dead.length, t.deadWorkersWarning),
      value: dead.length,
      message:
        dead.length === 0
          ? `${alive.length} worker(s) registered, all heartbeating`
          : `${dead.length} worker(s) stopped heartbeating: ${dead.map((w) => `${w.host}/${w.pid}`).join(", ")}`,
    };
  });
  await run("scheduler", async () => {
    const schedulers = (workers ?? (await store.workerList({}))).filter((w) => w.kind === "scheduler");
    if (schedulers.length === 0) {
      return {
        status: t.requireScheduler ? HEALTH_STATUS.WARNING : HEALTH_STATUS.OK,
        value: 0,
        message: "no scheduler registered",
      };
    }
    const newest = Math.max(...schedulers.map((s) => s.lastHeartbeatAt.getTime()));
    const age = now.getTime() - newest;
    return {
      status: age > t.schedulerStaleAfterMs ? HEALTH_STATUS.CRITICAL : HEALTH_STATUS.OK,
      value: Math.round(age / 1000),
      message:
        age > t.schedulerStaleAfterMs
          ? `scheduler silent for ${Math.round(age / 1000)} s: nothing is sweeping stuck rows`
          : `scheduler heartbeat ${Math.round(age / 1000)} s ago`,
    };
  });
  return finish();
}
