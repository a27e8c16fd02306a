export {
  type JobConfig,
  loadSchedulerConfig,
  SCHEDULER_ENV,
  type SchedulerConfig,
} from "./config/load-config.js";
export { redactSchedulerConfig } from "./config/redact-config.js";
export { SCHEDULER_DEFAULTS, type SchedulerDefaults } from "./defaults.js";
export type { EmitEvent, SchedulerEvent } from "./events.js";
export { SCHEDULER_EXIT, StartupError } from "./exit-codes.js";
export { lockNames } from "./run-tick.js";
export { type RunningScheduler, type StartSchedulerOptions, startScheduler } from "./scheduler.js";
