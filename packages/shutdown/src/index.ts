export { createShutdown } from "./create-shutdown.js";
export { SHUTDOWN_DEFAULTS, type ShutdownDefaults } from "./defaults.js";
export { EARLY_SIGNALS_KEY, releaseEarlySignals, takeEarlySignals } from "./early-signals.js";
export {
  DeadlineReachedError,
  DuplicateHookError,
  HookTimeoutError,
  ShutdownConfigError,
  ShutdownError,
  StopRequestedError,
} from "./errors.js";
export { EXIT_CODES, type ExitCode } from "./exit-codes.js";
export type {
  Shutdown,
  ShutdownLogger,
  ShutdownOptions,
  ShutdownOutcome,
  SignalSource,
  StopContext,
  StopHook,
  StopHookOptions,
  Timers,
} from "./types.js";
