import { HEALTH_DEFAULTS, type WorkerInfo } from "@holdfast/core";

export type WorkerState = "running" | "draining" | "silent" | "stopped";

/**
 * How a registered worker looks from the database. "silent": no heartbeat for longer than the
 * health check's dead-worker threshold, so it probably died without saying so (its leases
 * expire and are recovered).
 */
export function workerState(w: WorkerInfo, now: Date): WorkerState {
  if (w.stoppedAt) return "stopped";
  // The same thresholds as `holdfast health`, so the two never disagree about one process.
  const silentAfter =
    w.kind === "scheduler" ? HEALTH_DEFAULTS.schedulerStaleAfterMs : HEALTH_DEFAULTS.deadWorkerAfterMs;
  if (now.getTime() - w.lastHeartbeatAt.getTime() > silentAfter) return "silent";
  return w.draining ? "draining" : "running";
}
