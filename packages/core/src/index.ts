export { DEFAULTS, type Defaults } from "./defaults.js";
export {
  ConfigError,
  HoldfastError,
  IllegalTransitionError,
  LeaseLostError,
  PermanentError,
} from "./errors.js";
export { type Clock, systemClock } from "./ports/clock.js";
export { type Logger, silentLogger } from "./ports/logger.js";
export type * from "./ports/task-store.js";
export { defineStageMachine, type StageMachine, type StageMachineDefinition } from "./stage-machine.js";
export { VIDEO_STAGES, type VideoStage, videoStageMachine } from "./video-stages.js";
