import { SHUTDOWN_DEFAULTS } from "./defaults.js";
import { ShutdownConfigError } from "./errors.js";
import { MAX_TIMER_MS, nodeTimers } from "./timers.js";
import type { ShutdownLogger, ShutdownOptions, SignalSource, Timers } from "./types.js";

export interface ResolvedOptions {
  gracePeriodMs: number;
  signals: readonly NodeJS.Signals[];
  logger: ShutdownLogger;
  exit: (code: number) => void;
  signalSource: SignalSource;
  hookTimeoutMs: number;
  settleMs: number;
  timers: Timers;
}

const silentLogger: ShutdownLogger = Object.freeze({ debug() {}, info() {}, warn() {}, error() {} });

/** A delay for setTimeout: a finite, non-negative number that Node will not silently clamp. */
export function checkDelay(option: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > MAX_TIMER_MS) {
    throw new ShutdownConfigError(
      option,
      `expected milliseconds from 0 to ${MAX_TIMER_MS}, got ${String(value)}`,
    );
  }
  return value;
}

function checkSignals(value: unknown): readonly NodeJS.Signals[] {
  if (!Array.isArray(value) || !value.every((s) => typeof s === "string" && s.startsWith("SIG"))) {
    throw new ShutdownConfigError("signals", `expected an array of signal names, got ${String(value)}`);
  }
  // One listener per signal even if a name is given twice: a duplicate listener would turn
  // one SIGTERM into "first and second signal" and skip the grace period.
  return Object.freeze([...new Set(value as NodeJS.Signals[])]);
}

/** Merges options over SHUTDOWN_DEFAULTS and validates the result; throws ShutdownConfigError. */
export function resolveOptions(options: ShutdownOptions = {}): ResolvedOptions {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  if (typeof exit !== "function") throw new ShutdownConfigError("exit", "expected a function");
  return {
    gracePeriodMs: checkDelay("gracePeriodMs", options.gracePeriodMs ?? SHUTDOWN_DEFAULTS.gracePeriodMs),
    signals: checkSignals(options.signals ?? SHUTDOWN_DEFAULTS.signals),
    logger: options.logger ?? silentLogger,
    exit,
    signalSource: options.signalSource ?? process,
    hookTimeoutMs: checkDelay("hookTimeoutMs", options.hookTimeoutMs ?? SHUTDOWN_DEFAULTS.hookTimeoutMs),
    settleMs: checkDelay("settleMs", options.settleMs ?? SHUTDOWN_DEFAULTS.settleMs),
    timers: options.timers ?? nodeTimers,
  };
}
