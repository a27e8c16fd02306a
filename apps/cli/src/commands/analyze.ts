import { mkdir } from "node:fs/promises";
import { createWorker, DEFAULTS, type Logger, videoStageMachine, type WorkerEvent } from "@holdfast/core";
import {
  createShutdown,
  DeadlineReachedError,
  EXIT_CODES,
  type Shutdown,
  StopRequestedError,
} from "@holdfast/shutdown";
import { Command, Option } from "clipanion";
import * as t from "typanion";
import {
  createWorkerOutput,
  type OutputMode,
  processedSentence,
  type WorkerOutput,
} from "../analyze/worker-output.js";
import { CLI_DEFAULTS } from "../defaults.js";
import { plural } from "../output/format.js";
import { loadPipeline, pipelineEnv, pipelineOptions } from "../pipeline-options.js";
import { HoldfastCommand } from "./base-command.js";

const positiveInt = t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(1)]);
const positiveSeconds = t.cascade(t.isNumber(), [t.isPositive()]);

export class AnalyzeCommand extends HoldfastCommand {
  protected override readonly handlesSignals = true;
  static override paths = [["analyze"]];
  static override usage = Command.Usage({
    description: "run a worker: analyze videos until stopped",
    details: `
      Claims ready videos with a lease, carries each through metadata, verified upload and analysis, and renews its
      leases with a heartbeat so a slow analysis is never mistaken for a dead one. Registers itself in the database
      (see \`holdfast check\`) and stops after the current work when \`holdfast drain\` asks.

      SIGTERM or SIGINT: prints "stopping after the current work", claims nothing more, lets in-flight videos finish,
      prints how many were processed and exits 0. If \`--grace\` seconds pass first (or a second signal arrives),
      in-flight work is aborted and its rows are released for the next worker, uncounted, and the exit code is
      ${EXIT_CODES.deadline}. Give your process manager more time than \`--grace\` (see deploy/).

      On a terminal it shows a progress line; otherwise one plain line per event, or pino JSON with
      \`--log-format json\`.
    `,
    examples: [
      ["Run a worker until stopped", "$0 analyze"],
      ["Drain what is ready, then exit (cron, CI)", "$0 analyze --once"],
      ["Four at a time, a 10-minute grace for long analyses", "$0 analyze --concurrency 4 --grace 600"],
    ],
  });

  concurrency = Option.String("--concurrency,-c", String(DEFAULTS.concurrency), {
    validator: positiveInt,
    description: `Videos analysed at once (default ${DEFAULTS.concurrency})`,
  });
  limit = Option.String("--limit", {
    validator: positiveInt,
    description: "Claim at most this many videos, then exit",
  });
  once = Option.Boolean("--once", false, { description: "Drain what is ready now, then exit" });
  grace = Option.String("--grace", String(CLI_DEFAULTS.graceSeconds), {
    validator: t.cascade(t.isNumber(), [t.isAtLeast(0)]),
    description: `Seconds in-flight work may take to finish after SIGTERM (default ${CLI_DEFAULTS.graceSeconds})`,
  });
  leaseTtl = Option.String("--lease-ttl", String(DEFAULTS.leaseTtlMs / 1000), {
    validator: positiveSeconds,
    description: `Seconds a lease lasts unless renewed; a crashed worker's videos come back after this (default ${DEFAULTS.leaseTtlMs / 1000})`,
  });
  maxAttempts = Option.String("--max-attempts", String(DEFAULTS.maxAttempts), {
    validator: positiveInt,
    description: `Attempts before a video goes to failed (default ${DEFAULTS.maxAttempts})`,
  });
  analyzer = pipelineOptions.analyzer();
  storage = pipelineOptions.storage();
  offlineLatency = pipelineOptions.offlineLatency();
  inbox = pipelineOptions.inbox();
  config = pipelineOptions.config();
  logFormat = Option.String("--log-format", "text", {
    validator: t.isEnum(["text", "json"]),
    description: "text (progress on a terminal, plain lines otherwise) or json (pino)",
  });
  verbose = Option.Boolean("--verbose,-v", false, { description: "Also print the pipeline's info logs" });

  protected async run(): Promise<number> {
    // First, before anything that can take time: a SIGTERM during start-up must already be a
    // graceful stop, not Node's default (die at once). Its log lines go wherever the output
    // ends up once it exists.
    let output: WorkerOutput | undefined;
    const logger: Logger = {
      debug: (o, m) => output?.logger.debug(o, m),
      info: (o, m) => output?.logger.info(o, m),
      warn: (o, m) => output?.logger.warn(o, m),
      error: (o, m) => output?.logger.error(o, m),
    };
    // exit: the command returns the code and main.ts exits, after the output is written.
    const shutdown = createShutdown({ gracePeriodMs: Math.round(this.grace * 1000), logger, exit: () => {} });
    try {
      output = await this.createOutput();
      return await this.work(shutdown, output);
    } finally {
      shutdown.dispose();
    }
  }

  private async createOutput(): Promise<WorkerOutput> {
    const mode: OutputMode = this.logFormat === "json" ? "json" : this.stdoutIsTty ? "progress" : "lines";
    return createWorkerOutput({
      mode,
      stdout: this.context.stdout,
      stderr: this.context.stderr,
      colors: this.colors,
      verbose: this.verbose,
      ...(mode === "json"
        ? {
            pino: (await import("pino")).pino(
              { name: "holdfast", level: this.verbose ? "debug" : "info" },
              this.context.stdout,
            ),
          }
        : {}),
    });
  }

  private async work(shutdown: Shutdown, output: WorkerOutput): Promise<number> {
    const { createVideoHandlerFromConfig, loadPipelineConfig, PIPELINE_ENV } = await loadPipeline();
    const config = loadPipelineConfig(
      pipelineEnv(PIPELINE_ENV, this.context.env, {
        inbox: this.inbox,
        analyzer: this.analyzer,
        storage: this.storage,
        offlineLatency: this.offlineLatency,
      }),
      this.config,
    );
    // A fresh install has no inbox until the first `videos add`; the worker must still start.
    await mkdir(config.inboxDir, { recursive: true });
    const store = await this.openStore();
    // Closed as the last step of the stop, after the worker released what it held.
    shutdown.onStop("database", () => this.closeStore(store));
    const { handler } = createVideoHandlerFromConfig(config, { logger: output.logger });

    let workerStopReason = "stopped";
    let inFlightAtStop = 0;
    const onEvent = (event: WorkerEvent) => {
      if (event.type === "stopping") {
        workerStopReason = event.reason;
        inFlightAtStop = event.inFlight;
        const signal =
          shutdown.signal.reason instanceof StopRequestedError ? shutdown.signal.reason.reason : undefined;
        output.say(stoppingSentence(event.reason, signal, event.inFlight), {
          reason: event.reason,
          inFlight: event.inFlight,
        });
      }
      output.event(event);
    };
    shutdown.deadlineSignal.addEventListener(
      "abort",
      () => {
        const why = shutdown.deadlineSignal.reason;
        const trigger = why instanceof DeadlineReachedError ? why.trigger : "deadline";
        output.say(`${trigger}: aborting in-flight work and releasing it for the next worker`);
      },
      { once: true },
    );

    const worker = createWorker({
      store,
      machine: videoStageMachine,
      handler,
      concurrency: this.concurrency,
      leaseTtlMs: Math.max(1, Math.round(this.leaseTtl * 1000)),
      maxAttempts: this.maxAttempts,
      once: this.once,
      // The shutdown's first signal stops claiming; its deadline aborts and releases.
      stopSignal: shutdown.signal,
      abortSignal: shutdown.deadlineSignal,
      logger: output.logger,
      onEvent,
      ...(this.limit !== undefined ? { limit: this.limit } : {}),
    });
    output.say(
      `analyzing with ${config.analyzer.kind} analyzer, ${config.storage.kind} storage, concurrency ${this.concurrency} (${this.target.location})`,
    );
    // Tracked, so a signal's stop waits for the worker to finish or release its rows.
    const stats = await shutdown.track(worker.run());
    output.say(processedSentence(stats), { ...stats, inFlightAtStop });
    // A worker that ended on its own (--once, --limit, drain) stops the coordinator too, so
    // the hooks run; after a signal this returns that stop's outcome.
    const outcome = await shutdown.stop(workerStopReason);
    if (outcome.hookFailures.length > 0) {
      output.logger.error({ hooks: outcome.hookFailures }, "some close steps failed");
    }
    output.close();
    return outcome.exitCode;
  }
}

function stoppingSentence(workerReason: string, signal: string | undefined, inFlight: number): string {
  const work = inFlight > 0 ? ` (${plural(inFlight, "video")} in flight)` : "";
  switch (workerReason) {
    case "signal":
      return `received ${signal ?? "a stop signal"}: stopping after the current work${work}`;
    case "drain":
      return `drain requested: stopping after the current work${work}`;
    case "deadline":
      return `grace period over: stopping now${work}`;
    case "nothing ready":
      return "nothing left to do: stopping";
    case "limit reached":
      return `limit reached: stopping after the current work${work}`;
    default:
      return `stopping after the current work${work} (${workerReason})`;
  }
}
