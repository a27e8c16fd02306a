import { createWorker, type Logger, type TaskStore, videoStageMachine } from "@holdfast/core";
import { createVideoHandlerFromConfig, type PipelineConfig } from "@holdfast/pipeline";
import type { SchedulerConfig } from "../config/load-config.js";
import type { EmitEvent } from "../events.js";
import type { SchedulerMetrics } from "../metrics.js";
import type { ScheduledJob } from "../run-tick.js";
import { countPaidCalls } from "./paid-call-counter.js";

/**
 * An analysis batch: core's worker loop in this process with `once`, so it works until nothing
 * is ready (or `limit` rows) and returns. It stops claiming the moment the scheduler stops;
 * when the grace period runs out (or the job's lock is lost) its rows are released, uncounted.
 * Expired leases are the recovery job's business, so the batch does not sweep.
 */
export function analysisJob(deps: {
  store: TaskStore;
  config: SchedulerConfig["analysis"];
  pipeline: PipelineConfig;
  schedulerId: string;
  stopSignal: AbortSignal;
  metrics: SchedulerMetrics;
  emit: EmitEvent;
  logger: Logger;
}): ScheduledJob {
  const { config, logger } = deps;
  const { handler } = createVideoHandlerFromConfig(deps.pipeline, { logger });
  const store = countPaidCalls(deps.store, (status) => deps.metrics.paidCalls.inc({ status }));
  return {
    name: "analysis",
    schedule: config.schedule,
    withoutOverlapping: config.withoutOverlapping,
    onOneServer: config.onOneServer,
    async run({ signal, tick }) {
      const worker = createWorker({
        store,
        machine: videoStageMachine,
        handler,
        once: true,
        limit: config.limit,
        concurrency: config.concurrency,
        leaseTtlMs: config.leaseTtlMs,
        maxAttempts: config.maxAttempts,
        sweepIntervalMs: 0,
        stopSignal: deps.stopSignal,
        abortSignal: signal,
        workerId: `${deps.schedulerId}/analysis@${tick.toISOString()}`,
        logger,
        onEvent(e) {
          // A row's progress through the batch, for operators and tests that wait for it.
          if (e.type === "claimed" || e.type === "completed" || e.type === "failed" || e.type === "released")
            deps.emit({ event: "analysis-task", type: e.type, taskId: e.taskId, tick: tick.toISOString() });
        },
      });
      const stats = await worker.run();
      return { ...stats };
    },
  };
}
