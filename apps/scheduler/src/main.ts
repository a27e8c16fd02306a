import { ConfigError } from "@holdfast/core";
import { pino } from "pino";
import { loadSchedulerConfig, SCHEDULER_ENV } from "./config/load-config.js";
import { SCHEDULER_EXIT, StartupError } from "./exit-codes.js";
import { startScheduler } from "./scheduler.js";

// The `holdfast-scheduler` binary. bin/holdfast-scheduler.js imports this file directly (no
// wrapper process), so SIGTERM from a process manager reaches this node process.

const USAGE = `usage: holdfast-scheduler [--config <file.json>]

Runs holdfast's schedules (recovery, analysis batches, health checks) with database locks,
and serves /healthz, /readyz and /metrics. Settings come from the environment and the JSON
file (also $${SCHEDULER_ENV.configFile}); see the README for every key.
Events are JSON lines on stdout; logs are JSON lines on stderr.`;

function parseArgs(argv: string[]): { file?: string; help?: boolean } {
  const out: { file?: string; help?: boolean } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--help" || arg === "-h") out.help = true;
    else if (arg === "--config" || arg === "-c") {
      const value = argv[++i];
      if (!value) throw new ConfigError("--config needs a file path");
      out.file = value;
    } else if (arg.startsWith("--config=")) out.file = arg.slice("--config=".length);
    else throw new ConfigError(`unknown argument "${arg}"`);
  }
  return out;
}

async function main(): Promise<number> {
  const logger = pino(
    { level: process.env.HOLDFAST_LOG_LEVEL ?? "info", base: { app: "holdfast-scheduler" } },
    pino.destination(2),
  );
  try {
    const args = parseArgs(process.argv.slice(2));
    if (args.help) {
      process.stdout.write(`${USAGE}\n`);
      return SCHEDULER_EXIT.ok;
    }
    const config = loadSchedulerConfig(process.env, args.file);
    const scheduler = await startScheduler({ config, logger });
    return await scheduler.stopped;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`holdfast-scheduler: configuration error: ${err.message}\n`);
      return SCHEDULER_EXIT.config;
    }
    if (err instanceof StartupError) {
      process.stderr.write(`holdfast-scheduler: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`holdfast-scheduler: ${(err as Error).stack ?? String(err)}\n`);
    return SCHEDULER_EXIT.failure;
  }
}

// Exiting explicitly: a forgotten timer or socket can never keep a stopped scheduler alive.
process.exit(await main());
