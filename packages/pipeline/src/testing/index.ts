export {
  type GcsEmulator,
  type GcsEmulatorOptions,
  type GcsFault,
  type GcsOperation,
  type StoredGcsObject,
  startGcsEmulator,
} from "./gcs-emulator.js";
export {
  defaultGeminiAnswer,
  type GeminiEmulator,
  type GeminiEmulatorOptions,
  type GeminiFault,
  type GeminiRequestRecord,
  startGeminiEmulator,
} from "./gemini-emulator.js";
export { CallCounter } from "./http-helpers.js";
