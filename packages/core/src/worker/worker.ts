import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { DEFAULTS } from "../defaults.js";
import { ConfigError, LeaseLostError, PermanentError } from "../errors.js";
import { type Clock, systemClock } from "../ports/clock.js";
import { type Logger, silentLogger } from "../ports/logger.js";
import type { ClaimedTask, LeaseRef, TaskStore } from "../ports/task-store.js";
import { recover } from "../recover.js";
import type { StageMachine } from "../stage-machine.js";
import type { TaskContext, TaskHandler } from "./task-context.js";
import { Waker } from "./waker.js";
import type { WorkerEvent, WorkerStats } from "./worker-events.js";

export interface WorkerOptions {
  store: TaskStore;
  machine: StageMachine;
  handler: TaskHandler;
  /**
   * Handlers run at once. A handler that has called `complete` no longer holds its slot
   * while the completion is written: completions group-commit while the next rows run.
   */
  concurrency?: number;
  /**
   * Rows claimed ahead of free slots (throughput for short tasks). With prefetch the worker
   * claims in batches: it waits until at most `concurrency` of them (or half, if fewer) are
   * left, then fills up again in one statement. Prefetched rows hold leases while they
   * wait: keep 0 for long tasks, so a waiting row is not held away from an idle worker
   * elsewhere.
   */
  prefetch?: number;
  leaseTtlMs?: number;
  /** Idle poll interval when nothing was ready. */
  pollIntervalMs?: number;
  /** How often this worker sweeps for expired leases (0: never; leave it to the scheduler). */
  sweepIntervalMs?: number;
  maxAttempts?: number;
  /** Claim at most this many rows in all, then drain and return. */
  limit?: number;
  /** Return once nothing is ready and nothing is in flight (`analyze --once`). */
  once?: boolean;
  /** Stop claiming when this aborts (the shutdown's "stopping" signal); in-flight work goes on. */
  stopSignal?: AbortSignal;
  /** Abort in-flight work when this aborts (the shutdown deadline); its rows are released, not counted. */
  abortSignal?: AbortSignal;
  workerId?: string;
  host?: string;
  pid?: number;
  logger?: Logger;
  clock?: Clock;
  onEvent?: (event: WorkerEvent) => void;
}

/** Why a task's AbortSignal fired. */
class DeadlineReached extends Error {
  override name = "DeadlineReached";
}

interface Running {
  task: ClaimedTask;
  /** Aborts the handler's signal (made on first use: most short handlers never read it). */
  abort(reason: unknown): void;
  leaseLost: boolean;
  /** Local view of when the lease ends: a worker that could not renew in time stops trusting it. */
  leaseExpiresAt: Date;
  /** Set once the terminal write has begun, so a concurrent heartbeat does not report it lost. */
  finishing: boolean;
  /** Whether the row still counts against `concurrency` (its handler has not called complete). */
  holdsSlot: boolean;
  done: Promise<void>;
}

export interface Worker {
  readonly id: string;
  /** Runs until stopped (signal, drain request, limit, or `once` with nothing left). */
  run(): Promise<WorkerStats>;
  /** Stop claiming; in-flight work finishes. */
  stop(reason?: string): void;
  readonly inFlight: number;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function positive(name: string, value: number, integer: boolean): number {
  if (!(value > 0) || (integer && !Number.isInteger(value)) || !Number.isFinite(value)) {
    throw new ConfigError(
      `worker: ${name} must be a positive ${integer ? "integer" : "number"}, got ${value}`,
    );
  }
  return value;
}

/**
 * The worker loop. Claims up to `concurrency` rows with a lease, runs the handler for each
 * with an AbortSignal, renews all its leases in one statement every ttl/3, stops claiming
 * the moment `stopSignal` fires or a drain is requested through the database, and finishes
 * or releases what is in flight. Every write about a row is fenced by its lease token: once
 * a lease is lost the work is dropped without writing.
 */
export function createWorker(options: WorkerOptions): Worker {
  const { store, machine, handler } = options;
  const concurrency = positive("concurrency", options.concurrency ?? DEFAULTS.concurrency, true);
  const leaseTtlMs = positive("leaseTtlMs", options.leaseTtlMs ?? DEFAULTS.leaseTtlMs, true);
  const pollIntervalMs = positive("pollIntervalMs", options.pollIntervalMs ?? DEFAULTS.pollIntervalMs, false);
  const maxAttempts = positive("maxAttempts", options.maxAttempts ?? DEFAULTS.maxAttempts, true);
  const sweepIntervalMs = options.sweepIntervalMs ?? DEFAULTS.sweepIntervalMs;
  if (!(sweepIntervalMs >= 0))
    throw new ConfigError(`worker: sweepIntervalMs must be >= 0, got ${sweepIntervalMs}`);
  const prefetch = options.prefetch ?? DEFAULTS.prefetch;
  if (!(Number.isInteger(prefetch) && prefetch >= 0)) {
    throw new ConfigError(`worker: prefetch must be an integer >= 0, got ${prefetch}`);
  }
  /** With prefetch: claim again once this few prefetched rows are left. */
  const refillAt = Math.min(concurrency, Math.floor(prefetch / 2));
  const limit =
    options.limit === undefined ? Number.POSITIVE_INFINITY : positive("limit", options.limit, true);
  const heartbeatMs = Math.max(1, Math.floor(leaseTtlMs * DEFAULTS.heartbeatFraction));
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const host = options.host ?? hostname();
  const pid = options.pid ?? process.pid;
  const id = options.workerId ?? `${host}:${pid}:${randomBytes(3).toString("hex")}`;
  const emit = (event: WorkerEvent) => options.onEvent?.(event);

  /** Every claimed row that started and has not settled, completions being written included. */
  const running = new Map<number, Running>();
  /** Rows of `running` whose handler is still working: what `concurrency` limits. */
  let busySlots = 0;
  const freeSlot = (run: Running) => {
    if (!run.holdsSlot) return;
    run.holdsSlot = false;
    busySlots--;
    waker.wake();
  };
  /** Claimed rows waiting for a free slot (only with `prefetch`). Their leases are renewed too. */
  const prefetched: ClaimedTask[] = [];
  const waker = new Waker();
  const stats: WorkerStats = { claimed: 0, completed: 0, failed: 0, released: 0, leaseLost: 0 };
  let started = false;
  let stopReason: string | undefined;
  /**
   * After a claim found nothing, the next waits for the poll interval, not for the next
   * finished row (a draining worker would otherwise send an empty claim per row). Rows this
   * worker makes ready again itself (a release, a recovery) end the wait at once.
   */
  let nothingReadyUntil = 0;
  const readyAgain = () => {
    nothingReadyUntil = 0;
    waker.wake();
  };

  const stop = (reason = "requested") => {
    if (stopReason) return;
    stopReason = reason;
    emit({ type: "stopping", reason, inFlight: running.size });
    logger.info({ workerId: id, reason, inFlight: running.size }, "worker stopping: no new work");
    waker.wake();
  };
  const onStopSignal = () => stop("signal");
  const deadlineReached = () => new DeadlineReached("the shutdown deadline passed");
  // One listener for the worker, not one per task: the deadline aborts every row in flight.
  const onAbortSignal = () => {
    stop("deadline");
    for (const run of running.values()) run.abort(deadlineReached());
  };

  function loseLease(run: Running, during: string) {
    if (run.leaseLost || run.finishing) return;
    run.leaseLost = true;
    run.abort(new LeaseLostError(run.task.id, during));
  }

  async function settleFailure(run: Running, err: unknown): Promise<void> {
    const { task } = run;
    if (run.leaseLost || err instanceof LeaseLostError) {
      stats.leaseLost++;
      const during = err instanceof LeaseLostError ? err.operation : "work";
      emit({ type: "lease-lost", taskId: task.id, during });
      logger.warn({ taskId: task.id, during }, "lease lost: dropping the work without writing");
      return;
    }
    run.finishing = true;
    const now = clock.now();
    const ref = { id: task.id, leaseToken: task.leaseToken, now };
    try {
      if (options.abortSignal?.aborted) {
        // The deadline, not the task, ended this attempt: give the claim back uncounted
        // so the next worker takes the row at once and a deploy never eats a retry.
        await store.taskRelease({ ...ref, countAttempt: false });
        readyAgain();
        stats.released++;
        emit({ type: "released", taskId: task.id, counted: false, reason: "deadline" });
        logger.warn({ taskId: task.id, stage: task.stage }, "released at the shutdown deadline");
        return;
      }
      const reason = errorMessage(err);
      if (err instanceof PermanentError || task.attempts >= maxAttempts) {
        const why = err instanceof PermanentError ? reason : `${reason} (after ${task.attempts} attempts)`;
        await store.taskFail({ ...ref, reason: why });
        stats.failed++;
        emit({ type: "failed", taskId: task.id, reason: why });
        logger.error({ taskId: task.id, stage: task.stage, reason: why }, "task failed");
      } else {
        await store.taskRelease({ ...ref, countAttempt: true, error: reason });
        readyAgain();
        stats.released++;
        emit({ type: "released", taskId: task.id, counted: true, reason });
        logger.warn(
          { taskId: task.id, stage: task.stage, attempts: task.attempts, reason },
          "attempt failed; released for retry",
        );
      }
    } catch (writeErr) {
      if (writeErr instanceof LeaseLostError) {
        stats.leaseLost++;
        emit({ type: "lease-lost", taskId: task.id, during: writeErr.operation });
        logger.warn({ taskId: task.id }, "lease lost before the failure could be recorded");
      } else {
        emit({ type: "error", during: "settle", message: errorMessage(writeErr) });
        logger.error(
          { taskId: task.id, err: errorMessage(writeErr) },
          "could not record the task's failure; its lease will expire",
        );
      }
    }
  }

  function start(claimed: ClaimedTask): void {
    const task: ClaimedTask = { ...claimed, data: { ...claimed.data } };
    let controller: AbortController | undefined;
    let abortedWith: { reason: unknown } | undefined;
    const abort = (reason: unknown) => {
      if (abortedWith) return;
      abortedWith = { reason };
      controller?.abort(reason);
    };
    const run: Running = {
      task,
      abort,
      leaseLost: false,
      leaseExpiresAt: task.leaseExpiresAt,
      finishing: false,
      holdsSlot: true,
      done: Promise.resolve(),
    };
    busySlots++;
    if (options.abortSignal?.aborted) abort(deadlineReached());

    let completed = false;
    const fenced = (operation: string) => {
      if (run.leaseLost) throw new LeaseLostError(task.id, operation);
    };
    const ctx: TaskContext = {
      task,
      get signal() {
        if (!controller) {
          controller = new AbortController();
          if (abortedWith) controller.abort(abortedWith.reason);
        }
        return controller.signal;
      },
      workerId: id,
      store,
      logger,
      now: () => clock.now(),
      async advance(to, data) {
        fenced(`advance to ${to}`);
        machine.assertTransition(task.stage, to);
        const from = task.stage;
        await store.taskAdvance({
          id: task.id,
          leaseToken: task.leaseToken,
          from,
          to,
          data,
          now: clock.now(),
        });
        task.stage = to;
        if (data) task.data = data;
        emit({ type: "advanced", taskId: task.id, from, to });
      },
      async complete(result, data) {
        fenced("complete");
        run.finishing = true;
        // The handler's work is done: the next row may start while this write (batched with
        // others by the store) is on its way. A failed write still settles this row below.
        freeSlot(run);
        await store.taskComplete({
          id: task.id,
          leaseToken: task.leaseToken,
          from: task.stage,
          result,
          data,
          now: clock.now(),
        });
        completed = true;
        task.stage = machine.completed;
        stats.completed++;
        emit({ type: "completed", taskId: task.id });
      },
    };

    running.set(task.id, run);
    stats.claimed++;
    emit({ type: "claimed", taskId: task.id, stage: task.stage, attempts: task.attempts });
    run.done = (async () => {
      try {
        await handler(ctx);
        if (!completed)
          throw new Error(`the handler returned without completing the task (stage ${task.stage})`);
      } catch (err) {
        await settleFailure(run, err);
      } finally {
        running.delete(task.id);
        freeSlot(run);
        waker.wake();
      }
    })();
  }

  let heartbeatBusy = false;
  async function heartbeat(): Promise<void> {
    if (heartbeatBusy) return;
    heartbeatBusy = true;
    const now = clock.now();
    try {
      if (running.size > 0 || prefetched.length > 0) {
        const leases: LeaseRef[] = [...running.values()].map((r) => r.task).concat(prefetched);
        const asked = new Set(leases.map((l) => l.leaseToken));
        const held = new Set(
          (await store.taskExtendLeases({ owner: id, leases, leaseTtlMs, now })).map((l) => l.leaseToken),
        );
        // Only the leases this heartbeat named are judged: a row claimed while it was on its
        // way was not asked about, and is not lost.
        const lost = (lease: LeaseRef) => asked.has(lease.leaseToken) && !held.has(lease.leaseToken);
        const until = new Date(now.getTime() + leaseTtlMs);
        for (const run of running.values()) {
          if (lost(run.task)) loseLease(run, "heartbeat");
          else if (held.has(run.task.leaseToken)) run.leaseExpiresAt = until;
        }
        for (let i = prefetched.length - 1; i >= 0; i--) {
          if (lost(prefetched[i] as ClaimedTask)) prefetched.splice(i, 1);
        }
      }
      const { drainRequested } = await store.workerHeartbeat({ id, inFlight: running.size, now });
      if (drainRequested && !stopReason) {
        emit({ type: "drain-requested" });
        stop("drain");
      }
    } catch (err) {
      emit({ type: "error", during: "heartbeat", message: errorMessage(err) });
      logger.warn({ workerId: id, err: errorMessage(err) }, "heartbeat failed");
      // A lease this worker could not renew in time may already belong to someone else.
      for (const run of running.values())
        if (run.leaseExpiresAt <= now) loseLease(run, "heartbeat (lease expired unrenewed)");
    } finally {
      heartbeatBusy = false;
    }
  }

  let sweepBusy = false;
  async function sweep(): Promise<void> {
    if (sweepBusy || stopReason) return;
    sweepBusy = true;
    try {
      const report = await recover(store, { actor: id, now: clock.now(), maxAttempts, listFound: false });
      if (report.actions.length > 0) {
        emit({ type: "recovered", count: report.actions.length });
        logger.info(
          { workerId: id, released: report.released, failed: report.failed },
          "recovered expired leases",
        );
        readyAgain();
      }
    } catch (err) {
      emit({ type: "error", during: "sweep", message: errorMessage(err) });
      logger.warn({ workerId: id, err: errorMessage(err) }, "recovery sweep failed");
    } finally {
      sweepBusy = false;
    }
  }

  async function run(): Promise<WorkerStats> {
    if (started) throw new ConfigError("worker: run() was already called");
    started = true;
    options.stopSignal?.addEventListener("abort", onStopSignal, { once: true });
    options.abortSignal?.addEventListener("abort", onAbortSignal, { once: true });
    if (options.stopSignal?.aborted) stop("signal");

    await store.workerRegister({ id, host, pid, now: clock.now() });
    emit({ type: "started", workerId: id });
    logger.info({ workerId: id, concurrency, leaseTtlMs }, "worker started");
    const heartbeatTimer = setInterval(() => void heartbeat(), heartbeatMs);
    // Jitter the first sweep so a fleet restarted together does not sweep in lockstep.
    let sweepTimer: NodeJS.Timeout | undefined;
    if (sweepIntervalMs > 0) {
      sweepTimer = setTimeout(
        function tick() {
          void sweep().finally(() => {
            if (!stopReason) sweepTimer = setTimeout(tick, sweepIntervalMs);
          });
        },
        Math.floor(sweepIntervalMs * Math.random()),
      );
    }

    let remaining = limit;
    const releaseUnstarted = (tasks: ClaimedTask[]) =>
      Promise.all(
        tasks.map((t) =>
          store
            .taskRelease({ id: t.id, leaseToken: t.leaseToken, countAttempt: false, now: clock.now() })
            .catch((err) =>
              logger.warn({ taskId: t.id, err: errorMessage(err) }, "release of an unstarted row failed"),
            ),
        ),
      );
    try {
      while (!stopReason) {
        while (busySlots < concurrency && prefetched.length > 0) start(prefetched.shift() as ClaimedTask);
        const room = Math.min(concurrency + prefetch - busySlots - prefetched.length, remaining);
        // Without prefetch, every free slot is claimed for at once. With it, claims wait until
        // the prefetched rows are down to one round of slots (or half the prefetch, if less),
        // so one statement fetches many rows, not one per finished task, while the rows left
        // keep the slots busy until it returns. (Measured, bench:compare:throughput: refilling
        // at half the prefetch instead fetched half as many rows per claim and ran ~20% slower.)
        const wanted =
          (prefetch === 0 || prefetched.length <= refillAt) && performance.now() >= nothingReadyUntil;
        if (room > 0 && wanted) {
          let claimed: ClaimedTask[];
          try {
            claimed = await store.taskClaim({ owner: id, limit: room, leaseTtlMs, now: clock.now() });
          } catch (err) {
            emit({ type: "error", during: "claim", message: errorMessage(err) });
            logger.warn(
              { workerId: id, err: errorMessage(err) },
              "claim failed; retrying after the poll interval",
            );
            await waker.wait(pollIntervalMs);
            continue;
          }
          remaining -= claimed.length;
          // A stop that arrived during the claim: these rows were never started, so they
          // go straight back, uncounted.
          if (stopReason) {
            await releaseUnstarted(claimed);
            break;
          }
          prefetched.push(...claimed);
          // Rows came back: start them and look for more at once. None: fall through and wait.
          if (claimed.length > 0) continue;
          nothingReadyUntil = performance.now() + pollIntervalMs;
        }
        if (running.size === 0 && prefetched.length === 0) {
          if (options.once) {
            stop("nothing ready");
            break;
          }
          if (remaining <= 0) {
            stop("limit reached");
            break;
          }
          emit({ type: "idle" });
        }
        const gated = nothingReadyUntil - performance.now();
        await waker.wait(gated > 0 ? Math.max(1, gated) : pollIntervalMs);
      }
      // Prefetched rows that never started go back at once, uncounted.
      await releaseUnstarted(prefetched.splice(0));
      await Promise.all([...running.values()].map((r) => r.done));
    } finally {
      clearInterval(heartbeatTimer);
      if (sweepTimer) clearTimeout(sweepTimer);
      options.stopSignal?.removeEventListener("abort", onStopSignal);
      options.abortSignal?.removeEventListener("abort", onAbortSignal);
      await store
        .workerStopped({ id, now: clock.now() })
        .catch((err) =>
          logger.warn({ workerId: id, err: errorMessage(err) }, "could not mark the worker stopped"),
        );
    }
    emit({ type: "stopped", stats: { ...stats } });
    logger.info({ workerId: id, ...stats }, "worker stopped");
    return { ...stats };
  }

  return {
    id,
    run,
    stop,
    get inFlight() {
      return running.size;
    },
  };
}
