import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { ConfigError, type Logger, silentLogger, type TaskStore } from "@holdfast/core";
import { loadPipelineConfig, type PipelineConfig } from "@holdfast/pipeline";
import { createShutdown } from "@holdfast/shutdown";
import type { SchedulerConfig } from "./config/load-config.js";
import { type CronTicker, startCronTicker } from "./cron-ticker.js";
import { type EmitEvent, jsonLineEmitter } from "./events.js";
import { SCHEDULER_EXIT, StartupError } from "./exit-codes.js";
import { closeServer, createHttpServer, listen } from "./http-server.js";
import { analysisJob } from "./jobs/analysis-job.js";
import { healthJob } from "./jobs/health-job.js";
import { recoveryJob } from "./jobs/recovery-job.js";
import { createSchedulerMetrics } from "./metrics.js";
import { databaseDisplay, openDatabase } from "./open-database.js";
import { registerScheduler } from "./registration.js";
import { runTick, type ScheduledJob, TickLockBook } from "./run-tick.js";

export interface StartSchedulerOptions {
  /** From loadSchedulerConfig. */
  config: SchedulerConfig;
  /** Where the pipeline's settings are read from (analysis batches). Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Diagnostics. Default: silent. */
  logger?: Logger;
  /** Where events go. Default: JSON lines on stdout. */
  emit?: EmitEvent;
  /** Stop on SIGTERM/SIGINT (a second one stops waiting for running jobs). Default true. */
  handleSignals?: boolean;
}

export interface RunningScheduler {
  /** The HTTP port actually bound (config port 0 picks one). */
  port: number;
  /** This scheduler's registration id, also the owner of its locks. */
  id: string;
  /** Stops gracefully (as SIGTERM does) and resolves once everything is closed. */
  stop(): Promise<void>;
  /** Resolves with the exit code when the scheduler has stopped, however the stop began. */
  stopped: Promise<number>;
}

/**
 * Starts the daemon: opens the store, registers and heartbeats, serves /healthz /readyz
 * /metrics, and runs each enabled job on its cron schedule under its locks. Stopping (signal
 * or `stop()`): /readyz turns 503 and ticking stops at once; a running job may finish within
 * the grace period (then it is aborted, and a batch releases its rows); then the locks are
 * released, the HTTP server and the store closed. It never calls process.exit: the binary
 * does, with `stopped`'s code.
 */
export async function startScheduler(options: StartSchedulerOptions): Promise<RunningScheduler> {
  const { config } = options;
  const logger = options.logger ?? silentLogger;
  const emit = options.emit ?? jsonLineEmitter();
  const host = hostname();
  const id = `scheduler@${host}:${process.pid}:${randomBytes(3).toString("hex")}`;

  // Everything that can be wrong with the configuration fails before anything is opened.
  let pipeline: PipelineConfig | undefined;
  if (config.analysis.enabled) {
    try {
      pipeline = loadPipelineConfig(options.env ?? process.env, config.analysis.pipelineConfig);
    } catch (err) {
      if (err instanceof ConfigError)
        throw new StartupError(`analysis: ${err.message}`, SCHEDULER_EXIT.config);
      throw err;
    }
  }

  const store: TaskStore = await openDatabase(config);
  const metrics = createSchedulerMetrics({ store, legacyTimeoutMs: config.recovery.legacyTimeoutMs, logger });
  const shutdown = createShutdown({
    gracePeriodMs: config.gracePeriodMs,
    logger,
    signals: options.handleSignals === false ? [] : ["SIGTERM", "SIGINT"],
    // The binary exits with `stopped`'s code; a library caller (the CLI) decides for itself.
    exit: () => {},
  });
  // The rest of the start-up is tracked work: a stop that begins meanwhile (a SIGTERM the
  // binary caught while loading, replayed by createShutdown) waits for it, so the hooks
  // registered below are in place before the stop runs them.
  let startupDone!: () => void;
  void shutdown.track(
    new Promise<void>((resolve) => {
      startupDone = resolve;
    }),
  );

  const jobs: ScheduledJob[] = [];
  if (config.recovery.enabled)
    jobs.push(recoveryJob({ store, config: config.recovery, actor: id, metrics, logger }));
  if (config.analysis.enabled && pipeline)
    jobs.push(
      analysisJob({
        store,
        config: config.analysis,
        pipeline,
        schedulerId: id,
        stopSignal: shutdown.signal,
        metrics,
        emit,
        logger,
      }),
    );
  if (config.health.enabled) jobs.push(healthJob({ store, config: config.health, emit, logger }));

  let registration: Awaited<ReturnType<typeof registerScheduler>>;
  const server = createHttpServer({ metrics, isStopping: () => shutdown.stopping, logger });
  let port: number;
  try {
    registration = await registerScheduler({
      store,
      id,
      host,
      intervalMs: config.heartbeatIntervalMs,
      logger,
    });
    port = await listen(server, config.host, config.port);
  } catch (err) {
    startupDone();
    shutdown.dispose();
    await store.close().catch(() => {});
    const code = (err as { code?: string }).code;
    if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL")
      throw new StartupError(
        `cannot listen on ${config.host}:${config.port}: ${code}`,
        SCHEDULER_EXIT.config,
      );
    throw err;
  }

  const tickLocks = new TickLockBook();
  const tickContext = {
    store,
    schedulerId: id,
    lockTtlMs: config.lockTtlMs,
    tickLockTtlMs: config.tickLockTtlMs,
    deadlineSignal: shutdown.deadlineSignal,
    isStopping: () => shutdown.stopping,
    emit,
    logger,
    metrics,
    tickLocks,
  };
  const tickers: CronTicker[] = jobs.map((job) =>
    startCronTicker(job.schedule, (tick) => {
      if (shutdown.stopping) return;
      void shutdown.track(runTick(job, tick, tickContext));
    }),
  );

  // Order matters: stop ticking first (nothing new starts), the running jobs are awaited by
  // the shutdown itself (their runExclusive releases their locks), then deregister, close
  // HTTP, close the store last since everything before it writes.
  shutdown.onStop("tickers", () => {
    for (const t of tickers) t.stop();
  });
  shutdown.onStop("registration", () => registration.stop());
  shutdown.onStop("http", () => closeServer(server), { timeoutMs: 5_000 });
  shutdown.onStop("store", () => store.close());
  // A stop that begins while ticks are being armed must still stop them at once.
  const onStopping = () => {
    for (const t of tickers) t.stop();
    const why = shutdown.signal.reason as { reason?: string } | undefined;
    emit({ event: "stopping", reason: String(why?.reason ?? "stop") });
  };
  if (shutdown.signal.aborted) onStopping();
  else shutdown.signal.addEventListener("abort", onStopping, { once: true });
  const stopped = new Promise<number>((resolve) => {
    // A microtask later: the abort fires inside stop() before stop() has recorded its
    // outcome, and calling stop() synchronously here would begin a second stop.
    const onAbort = () => queueMicrotask(() => resolve(shutdown.stop().then((outcome) => outcome.exitCode)));
    if (shutdown.signal.aborted) onAbort();
    else shutdown.signal.addEventListener("abort", onAbort, { once: true });
  }).then((code) => {
    emit({ event: "stopped", exitCode: code });
    return code;
  });

  logger.info(
    {
      schedulerId: id,
      database: databaseDisplay(config.databaseUrl),
      port,
      jobs: jobs.map((j) => ({
        job: j.name,
        schedule: j.schedule,
        withoutOverlapping: j.withoutOverlapping,
        onOneServer: j.onOneServer,
      })),
    },
    "scheduler started",
  );
  emit({ event: "registered", schedulerId: id, jobs: jobs.map((j) => j.name) });
  emit({ event: "listening", port, schedulerId: id });
  startupDone();

  return {
    port,
    id,
    async stop() {
      await shutdown.stop("stop() called");
      await stopped;
    },
    stopped,
  };
}
