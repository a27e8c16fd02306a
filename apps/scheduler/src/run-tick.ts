import { type Logger, runExclusive, type TaskStore } from "@holdfast/core";
import type { EmitEvent } from "./events.js";
import type { SchedulerMetrics } from "./metrics.js";

/** One scheduled job: what it does, and how it must not overlap. */
export interface ScheduledJob {
  name: string;
  schedule: string;
  withoutOverlapping: boolean;
  onOneServer: boolean;
  /** Does the work; returns a small summary for the event and the audit log. */
  run(ctx: { signal: AbortSignal; tick: Date }): Promise<Record<string, unknown>>;
}

export interface TickContext {
  store: TaskStore;
  schedulerId: string;
  lockTtlMs: number;
  tickLockTtlMs: number;
  /** Aborts when the grace period runs out: a running job must stop. */
  deadlineSignal: AbortSignal;
  isStopping(): boolean;
  emit: EmitEvent;
  logger: Logger;
  metrics: SchedulerMetrics;
  /** The onOneServer rows this scheduler took, deleted once they expired. */
  tickLocks: TickLockBook;
}

/** Lock names, in one place so the README, tests and `holdfast show`-style tools agree. */
export const lockNames = {
  /** One row per job: held (and renewed) while a run is in progress, anywhere. */
  withoutOverlapping: (job: string) => `scheduler:${job}`,
  /** One row per job and scheduled time: the first scheduler to take it runs that tick. */
  onOneServer: (job: string, tick: Date) => `scheduler:${job}@${tick.toISOString()}`,
};

/**
 * The onOneServer rows this scheduler took. They are kept until they expire (that is what
 * makes a late scheduler see the tick taken) and then deleted, so the lock table does not
 * grow by a row per tick forever. A scheduler that dies leaves at most one tick-ttl's worth.
 */
export class TickLockBook {
  private readonly held: Array<{ name: string; expiresAt: number }> = [];

  add(name: string, expiresAt: number): void {
    this.held.push({ name, expiresAt });
  }

  async deleteExpired(store: TaskStore, owner: string, now: number): Promise<void> {
    while (this.held.length > 0 && (this.held[0] as { expiresAt: number }).expiresAt < now) {
      const { name } = this.held.shift() as { name: string };
      await store.lockRelease({ name, owner }).catch(() => {});
    }
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * One tick of one job. onOneServer: take the tick's own lock row and keep it (no release), so
 * a second scheduler firing the same tick finds it taken. withoutOverlapping: core's
 * runExclusive on the job's row, renewed every ttl/3 and released when the run ends; a holder
 * that dies frees it within one ttl. The owner names the run (scheduler + tick), so even this
 * scheduler's own next tick waits for its previous run.
 */
export async function runTick(job: ScheduledJob, tick: Date, ctx: TickContext): Promise<void> {
  const { store, schedulerId, emit, logger, metrics } = ctx;
  const tickIso = tick.toISOString();
  const at = () => new Date().toISOString();
  const skipped = (reason: "onOneServer" | "withoutOverlapping" | "stopping", heldBy: string | null) => {
    metrics.jobRuns.inc({ job: job.name, outcome: `skipped_${reason}` });
    emit({ event: "job-skipped", job: job.name, tick: tickIso, schedulerId, reason, heldBy, at: at() });
  };
  if (ctx.isStopping()) return skipped("stopping", null);

  try {
    await ctx.tickLocks.deleteExpired(store, schedulerId, Date.now());
    if (job.onOneServer) {
      const name = lockNames.onOneServer(job.name, tick);
      const now = new Date();
      if (!(await store.lockAcquire({ name, owner: schedulerId, ttlMs: ctx.tickLockTtlMs, now }))) {
        return skipped("onOneServer", (await store.lockGet(name))?.owner ?? null);
      }
      ctx.tickLocks.add(name, now.getTime() + ctx.tickLockTtlMs);
    }
    if (!job.withoutOverlapping) {
      await execute(job, tick, ctx.deadlineSignal, ctx);
      return;
    }
    const result = await runExclusive(
      {
        store,
        name: lockNames.withoutOverlapping(job.name),
        owner: `${schedulerId}/${tickIso}`,
        ttlMs: ctx.lockTtlMs,
      },
      (lockLost) => execute(job, tick, AbortSignal.any([lockLost, ctx.deadlineSignal]), ctx),
    );
    if (!result.ran) skipped("withoutOverlapping", result.heldBy);
  } catch (err) {
    // The database is down or a lock statement failed: this tick is lost, the next one retries.
    metrics.jobRuns.inc({ job: job.name, outcome: "error" });
    emit({ event: "tick-error", job: job.name, tick: tickIso, message: message(err), at: at() });
    logger.warn({ job: job.name, tick: tickIso, err: message(err) }, "tick failed before the job could run");
  }
}

async function execute(job: ScheduledJob, tick: Date, signal: AbortSignal, ctx: TickContext): Promise<void> {
  const { store, schedulerId, emit, logger, metrics } = ctx;
  const tickIso = tick.toISOString();
  emit({ event: "job-started", job: job.name, tick: tickIso, schedulerId, at: new Date().toISOString() });
  const started = performance.now();
  let outcome: "ok" | "failed" = "ok";
  let detail: Record<string, unknown> = {};
  let error: string | undefined;
  try {
    detail = await job.run({ signal, tick });
  } catch (err) {
    outcome = "failed";
    error = message(err);
    logger.error({ job: job.name, tick: tickIso, err: error }, "scheduled job failed");
  }
  const durationMs = Math.round(performance.now() - started);
  metrics.tickDuration.observe({ job: job.name, outcome }, durationMs / 1000);
  metrics.jobRuns.inc({ job: job.name, outcome });
  // The audit log is the durable record that the unattended job ran and what it did (the seed's
  // scheduled recover silently did nothing). Losing this write must not fail the job.
  await store
    .auditAppend({
      taskId: null,
      event: "scheduled_run",
      actor: schedulerId,
      detail: { job: job.name, tick: tickIso, outcome, durationMs, ...detail, ...(error ? { error } : {}) },
      now: new Date(),
    })
    .catch((err) =>
      logger.warn({ job: job.name, err: message(err) }, "could not write the run's audit event"),
    );
  emit({
    event: "job-finished",
    job: job.name,
    tick: tickIso,
    schedulerId,
    outcome,
    durationMs,
    at: new Date().toISOString(),
    ...(Object.keys(detail).length > 0 ? { detail } : {}),
    ...(error ? { error } : {}),
  });
}
