import { hostname } from "node:os";
import {
  alertMessage,
  checkHealth,
  HEALTH_STATUS,
  type Logger,
  postAlert,
  type TaskStore,
  webhookHost,
} from "@holdfast/core";
import type { SchedulerConfig } from "../config/load-config.js";
import type { EmitEvent } from "../events.js";
import type { ScheduledJob } from "../run-tick.js";

/**
 * Core's health rules on a schedule; anything but OK (UNKNOWN included: a check that could
 * not run is never healthy) is posted to the webhook. A failed post fails the run, so it
 * shows in the run's audit event and the job-runs metric.
 */
export function healthJob(deps: {
  store: TaskStore;
  config: SchedulerConfig["health"];
  emit: EmitEvent;
  logger: Logger;
}): ScheduledJob {
  const { store, config, emit, logger } = deps;
  return {
    name: "health",
    schedule: config.schedule,
    withoutOverlapping: config.withoutOverlapping,
    onOneServer: config.onOneServer,
    async run({ signal }) {
      const report = await checkHealth(store, { thresholds: config.thresholds });
      const summary = {
        status: report.statusName,
        checks: Object.fromEntries(report.checks.map((c) => [c.name, c.status])),
      };
      if (report.status === HEALTH_STATUS.OK) return { ...summary, alerted: false };
      logger.warn({ status: report.statusName, checks: report.checks }, "health is not OK");
      if (!config.webhookUrl) return { ...summary, alerted: false };
      try {
        await postAlert(config.webhookUrl, alertMessage(report, `scheduler on ${hostname()}`), {
          timeoutMs: config.webhookTimeoutMs,
          signal,
        });
      } catch (err) {
        emit({
          event: "alert-failed",
          job: "health",
          status: report.statusName,
          message: (err as Error).message,
        });
        throw err;
      }
      emit({
        event: "alert-sent",
        job: "health",
        status: report.statusName,
        webhook: webhookHost(config.webhookUrl),
      });
      return { ...summary, alerted: true };
    },
  };
}
