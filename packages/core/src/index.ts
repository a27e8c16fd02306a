export { DEFAULTS, type Defaults } from "./defaults.js";
export {
  ConfigError,
  HoldfastError,
  IllegalTransitionError,
  LeaseLostError,
  PermanentError,
} from "./errors.js";
export { type ExclusiveRunOptions, type ExclusiveRunResult, runExclusive } from "./exclusive-lock.js";
export {
  checkHealth,
  HEALTH_DEFAULTS,
  HEALTH_STATUS,
  HEALTH_STATUS_NAME,
  type HealthCheck,
  type HealthReport,
  type HealthStatus,
  type HealthThresholds,
} from "./health.js";
export { alertMessage, postAlert, webhookHost } from "./health-alert.js";
export { type Clock, systemClock } from "./ports/clock.js";
export { type Logger, silentLogger } from "./ports/logger.js";
export type * from "./ports/task-store.js";
export { type RecoverOptions, type RecoverReport, recover, type StuckReport } from "./recover.js";
export { defineStageMachine, type StageMachine, type StageMachineDefinition } from "./stage-machine.js";
export { VIDEO_STAGES, type VideoStage, videoStageMachine } from "./video-stages.js";
export type { TaskContext, TaskHandler } from "./worker/task-context.js";
export { createWorker, type Worker, type WorkerOptions } from "./worker/worker.js";
export type { WorkerEvent, WorkerStats } from "./worker/worker-events.js";
