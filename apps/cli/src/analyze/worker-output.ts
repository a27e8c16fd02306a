import type { Writable } from "node:stream";
import type { Logger, WorkerEvent, WorkerStats } from "@holdfast/core";
import type { Palette } from "../output/colors.js";
import { plural } from "../output/format.js";

/**
 * How `analyze` reports: "progress" redraws one status line on a terminal, "lines" prints one
 * plain line per event (logs, pipes, tests wait for these), "json" writes pino JSON records.
 */
export type OutputMode = "progress" | "lines" | "json";

export interface WorkerOutput {
  /** A sentence for the person or the log: "stopping after the current work". */
  say(message: string, fields?: Record<string, unknown>): void;
  event(event: WorkerEvent): void;
  /** The core logger port for the worker and the pipeline. */
  logger: Logger;
  /** Clears the status line, if any. */
  close(): void;
}

/** The final sentence, the same in every mode. */
export function processedSentence(stats: WorkerStats): string {
  const processed = stats.completed + stats.failed;
  return (
    `processed ${plural(processed, "video")}: ${stats.completed} completed, ${stats.failed} failed` +
    (stats.released > 0 ? `, ${stats.released} released for another worker` : "") +
    (stats.leaseLost > 0 ? `, ${stats.leaseLost} dropped (lease lost)` : "")
  );
}

/** One line per event, in words. Tests and the demo wait for some of these. */
export function describeEvent(e: WorkerEvent): string | null {
  switch (e.type) {
    case "started":
      return `worker ${e.workerId} started`;
    case "claimed":
      return `#${e.taskId} claimed (${e.stage}, attempt ${e.attempts})`;
    case "advanced":
      return `#${e.taskId} ${e.from} → ${e.to}`;
    case "completed":
      return `#${e.taskId} completed`;
    case "failed":
      return `#${e.taskId} failed: ${e.reason}`;
    case "released":
      return `#${e.taskId} released (${e.counted ? "attempt counted" : "attempt not counted"}): ${e.reason}`;
    case "lease-lost":
      return `#${e.taskId} lease lost during ${e.during}: dropped without writing`;
    case "recovered":
      return `recovered ${plural(e.count, "row")} whose worker died`;
    case "drain-requested":
      return "drain requested through the database";
    case "error":
      return `error during ${e.during}: ${e.message}`;
    case "stopping":
    case "stopped":
    case "idle":
      // The command says these in its own words.
      return null;
  }
}

function time(): string {
  return new Date().toISOString().slice(11, 19);
}

function fieldsText(obj: object): string {
  const parts = Object.entries(obj)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  return parts.length ? ` (${parts.join(", ")})` : "";
}

/** Plain lines: warnings and errors from the worker and the pipeline go to stderr. */
function textLogger(stderr: Writable, colors: Palette, verbose: boolean): Logger {
  const write = (level: string, obj: object, msg?: string) =>
    stderr.write(`${time()} ${level} ${msg ?? ""}${fieldsText(obj)}\n`);
  return {
    debug() {},
    info: (obj, msg) => {
      if (verbose) write(colors.dim("info"), obj, msg);
    },
    warn: (obj, msg) => write(colors.yellow("warn"), obj, msg),
    error: (obj, msg) => write(colors.red("error"), obj, msg),
  };
}

export function createWorkerOutput(options: {
  mode: OutputMode;
  stdout: Writable;
  stderr: Writable;
  colors: Palette;
  /** Only for "json": the pino logger writing to stdout. */
  pino?: Logger;
  verbose?: boolean;
}): WorkerOutput {
  const { mode, stdout, colors } = options;
  if (mode === "json") {
    const log = options.pino;
    if (!log) throw new Error("json output needs a pino logger");
    return {
      logger: log,
      say: (message, fields = {}) => log.info(fields, message),
      event: (e) => {
        if (e.type === "idle") return;
        const text = describeEvent(e);
        if (text) log.info({ event: e.type, ...e }, text);
      },
      close() {},
    };
  }

  const logger = textLogger(options.stderr, colors, options.verbose ?? false);
  if (mode === "lines") {
    return {
      logger,
      say: (message) => stdout.write(`${time()} ${message}\n`),
      event: (e) => {
        const text = describeEvent(e);
        if (text) stdout.write(`${time()} ${text}\n`);
      },
      close() {},
    };
  }

  // progress: event lines scroll above one status line that is redrawn in place.
  const counts = { claimed: 0, completed: 0, failed: 0, released: 0 };
  const inFlight = new Set<number>();
  let status = "";
  const render = () => {
    status =
      `${colors.cyan("analyzing")} ${counts.completed} completed · ${inFlight.size} in flight · ` +
      `${counts.failed} failed · ${counts.released} released`;
    stdout.write(`\r\x1b[2K${status}`);
  };
  const above = (line: string) => {
    stdout.write(`\r\x1b[2K${line}\n`);
    render();
  };
  return {
    logger,
    say: (message) => above(colors.bold(message)),
    event: (e) => {
      if (e.type === "claimed") inFlight.add(e.taskId);
      if (e.type === "completed" || e.type === "failed" || e.type === "released" || e.type === "lease-lost")
        inFlight.delete(e.taskId);
      if (e.type === "completed") counts.completed++;
      if (e.type === "failed") counts.failed++;
      if (e.type === "released") counts.released++;
      const text = describeEvent(e);
      if (text && e.type !== "claimed" && e.type !== "advanced") above(`${colors.dim(time())} ${text}`);
      else render();
    },
    close() {
      if (status) stdout.write("\r\x1b[2K");
    },
  };
}
