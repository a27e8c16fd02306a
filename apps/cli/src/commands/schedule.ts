import { ConfigError } from "@holdfast/core";
import { Command, Option } from "clipanion";
import * as t from "typanion";
import { HoldfastCommand } from "./base-command.js";

export class ScheduleCommand extends HoldfastCommand {
  protected override readonly handlesSignals = true;
  static override paths = [["schedule"]];
  static override usage = Command.Usage({
    description: "run the scheduler daemon (recovery every ten minutes, health checks, /readyz, /metrics)",
    details: `
      Runs @holdfast/scheduler until SIGTERM: recovery of stuck rows every ten minutes, health checks (posted to
      HOLDFAST_ALERT_WEBHOOK when not OK), optional analysis batches, each under a lock row in the database so that
      several schedulers never run one tick twice. Serves /healthz, /readyz (503 once stopping) and /metrics on
      --port (default 9464). Events are JSON lines on stdout, logs JSON lines on stderr.

      The settings come from the environment and a JSON file (--config, or HOLDFAST_SCHEDULER_CONFIG); see the
      scheduler's README. Exit codes: 0 stopped cleanly, 75 a running job was aborted at the grace deadline,
      69 database unreachable, 78 bad configuration.
    `,
    examples: [
      ["Run the scheduler", "$0 schedule"],
      ["With a config file, on another port", "$0 schedule --config scheduler.json --port 9500"],
    ],
  });

  config = Option.String("--config", {
    description: "Scheduler config file (JSON); also read from HOLDFAST_SCHEDULER_CONFIG",
  });
  port = Option.String("--port", {
    validator: t.cascade(t.isNumber(), [t.isInteger(), t.isInInclusiveRange(0, 65535)]),
    description:
      "Port for /healthz /readyz /metrics (default 9464, 0 picks a free one); also HOLDFAST_SCHEDULER_PORT",
  });

  protected async run(): Promise<number> {
    // Loaded only here: the scheduler brings croner, prom-client and the pipeline.
    const { loadSchedulerConfig, SCHEDULER_ENV, SCHEDULER_EXIT, StartupError, startScheduler } = await import(
      "@holdfast/scheduler"
    );
    const env: NodeJS.ProcessEnv = { ...this.context.env };
    // --db / DATABASE_URL as every other command reads it, `?schema=` included; otherwise the
    // scheduler's own config (file, then its default) decides.
    if (this.db) {
      env[SCHEDULER_ENV.databaseUrl] = this.target.url;
      if (this.target.schema) env[SCHEDULER_ENV.postgresSchema] = this.target.schema;
    }
    if (this.port !== undefined) env[SCHEDULER_ENV.port] = String(this.port);
    const { pino } = await import("pino");
    const logger = pino({ base: { app: "holdfast-scheduler" } }, pino.destination(2));
    try {
      const config = loadSchedulerConfig(env, this.config);
      const scheduler = await startScheduler({ config, logger, env });
      return await scheduler.stopped;
    } catch (err) {
      if (err instanceof ConfigError) {
        this.warn(`holdfast schedule: configuration error: ${err.message}`);
        return SCHEDULER_EXIT.config;
      }
      if (err instanceof StartupError) {
        this.warn(`holdfast schedule: ${err.message}`);
        return err.exitCode;
      }
      throw err;
    }
  }
}
