import { type Logger, type TaskStore, videoStageMachine } from "@holdfast/core";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Rows read per scrape when counting stuck rows; the gauge saturates there rather than scan on. */
const STUCK_SCAN_LIMIT = 10_000;

export interface SchedulerMetrics {
  registry: Registry;
  jobRuns: Counter<"job" | "outcome">;
  tickDuration: Histogram<"job" | "outcome">;
  recoveries: Counter<"action">;
  paidCalls: Counter<"status">;
  /** Reads the store's numbers into the gauges; never throws (a failed read sets store_up 0). */
  refresh(): Promise<void>;
}

/**
 * The scheduler's own registry (not prom-client's global one), so two schedulers in one process
 * (tests, the CLI) never collide. Gauges about the rows are read from the store at scrape time;
 * counters are this process's own.
 */
export function createSchedulerMetrics(options: {
  store: TaskStore;
  legacyTimeoutMs: number | null;
  logger: Logger;
}): SchedulerMetrics {
  const { store, logger } = options;
  const registry = new Registry();
  const registers = [registry];
  const tasks = new Gauge({
    name: "holdfast_tasks",
    help: "Rows per stage.",
    labelNames: ["stage"],
    registers,
  });
  const inFlight = new Gauge({
    name: "holdfast_tasks_in_flight",
    help: "Rows held under a live lease (being worked on now).",
    registers,
  });
  const stuck = new Gauge({
    name: "holdfast_tasks_stuck",
    help: `Rows whose lease expired, plus legacy rows in processing with no lease past the timeout (capped at ${STUCK_SCAN_LIMIT}).`,
    registers,
  });
  const completed = new Gauge({
    name: "holdfast_tasks_completed",
    help: "Rows in the completed stage.",
    registers,
  });
  const failed = new Gauge({ name: "holdfast_tasks_failed", help: "Rows in the failed stage.", registers });
  const possiblyCharged = new Gauge({
    name: "holdfast_paid_calls_possibly_charged",
    help: "Paid calls started and never answered: each may have been charged.",
    registers,
  });
  const storeUp = new Gauge({
    name: "holdfast_store_up",
    help: "1 when the last scrape could read the database, 0 when it could not (the row gauges then keep their last values).",
    registers,
  });
  const refreshErrors = new Counter({
    name: "holdfast_store_read_errors_total",
    help: "Scrapes whose database read failed.",
    registers,
  });

  const metrics: SchedulerMetrics = {
    registry,
    jobRuns: new Counter({
      name: "holdfast_scheduler_job_runs_total",
      help: "Ticks per job and outcome: ok, failed, error (lock statement failed), skipped_onOneServer, skipped_withoutOverlapping, skipped_stopping.",
      labelNames: ["job", "outcome"],
      registers,
    }),
    tickDuration: new Histogram({
      name: "holdfast_scheduler_tick_duration_seconds",
      help: "How long each job run took.",
      labelNames: ["job", "outcome"],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
      registers,
    }),
    recoveries: new Counter({
      name: "holdfast_recoveries_total",
      help: "Stuck rows this scheduler's recovery job changed: released back to work, or failed after max attempts.",
      labelNames: ["action"],
      registers,
    }),
    paidCalls: new Counter({
      name: "holdfast_paid_calls_total",
      help: "Paid calls this scheduler's analysis batches made, by journal status (started, succeeded, failed).",
      labelNames: ["status"],
      registers,
    }),
    async refresh() {
      const now = new Date();
      try {
        const counts = await store.taskCounts({ now });
        for (const [stage, n] of Object.entries(counts.byStage)) tasks.set({ stage }, n);
        inFlight.set(counts.inFlight);
        completed.set(counts.byStage[videoStageMachine.completed] ?? 0);
        failed.set(counts.byStage[videoStageMachine.failed] ?? 0);
        const legacy = options.legacyTimeoutMs;
        const stuckRows = await store.taskFindStuck({
          now,
          ...(legacy == null ? {} : { legacyUpdatedBefore: new Date(now.getTime() - legacy) }),
          limit: STUCK_SCAN_LIMIT,
        });
        stuck.set(stuckRows.length);
        possiblyCharged.set(await store.journalCountPossiblyCharged());
        storeUp.set(1);
      } catch (err) {
        storeUp.set(0);
        refreshErrors.inc();
        logger.warn({ err: (err as Error).message }, "metrics: could not read the database");
      }
    },
  };
  return metrics;
}
