import { type Logger, recover, type TaskStore } from "@holdfast/core";
import type { SchedulerConfig } from "../config/load-config.js";
import type { SchedulerMetrics } from "../metrics.js";
import type { ScheduledJob } from "../run-tick.js";

/**
 * The seed's `analysis:recover --timeout=3600`, every ten minutes. It runs unattended, so it
 * does the work: there is no prompt to answer (the seed's scheduled run hit a confirm() that
 * answered "no" and reset nothing). Safe next to workers' own sweeps: the store re-checks each
 * row in the write, so every stuck row changes once.
 */
export function recoveryJob(deps: {
  store: TaskStore;
  config: SchedulerConfig["recovery"];
  actor: string;
  metrics: SchedulerMetrics;
  logger: Logger;
}): ScheduledJob {
  const { store, config, actor, metrics, logger } = deps;
  return {
    name: "recovery",
    schedule: config.schedule,
    withoutOverlapping: config.withoutOverlapping,
    onOneServer: config.onOneServer,
    async run() {
      const report = await recover(store, {
        actor,
        dryRun: false,
        maxAttempts: config.maxAttempts,
        legacyTimeoutMs: config.legacyTimeoutMs,
        now: new Date(),
      });
      if (report.released > 0) metrics.recoveries.inc({ action: "released" }, report.released);
      if (report.failed > 0) metrics.recoveries.inc({ action: "failed" }, report.failed);
      if (report.actions.length > 0) {
        logger.info(
          { released: report.released, failed: report.failed, ids: report.actions.map((a) => a.id) },
          "recovered stuck rows",
        );
      }
      return { found: report.found.length, released: report.released, failed: report.failed };
    },
  };
}
