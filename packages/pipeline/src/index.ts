export {
  type Analysis,
  type AnalysisInput,
  type AnalysisOutput,
  AnalysisSchema,
  type AnalyzeContext,
  type Analyzer,
} from "./analysis/analyzer.js";
export {
  createGeminiAnalyzer,
  type GeminiAnalyzerOptions,
  parseGeminiAnswer,
} from "./analysis/gemini-analyzer.js";
export {
  createOfflineAnalyzer,
  type OfflineAnalyzerOptions,
  offlineAnalysis,
} from "./analysis/offline-analyzer.js";
export { analysisJsonSchema, analysisPrompt } from "./analysis/prompt.js";
export { canonicalJson, requestHash } from "./analysis/request-hash.js";
export { backoffDelay, parseRetryAfter, type RetryPolicy } from "./analysis/retry-policy.js";
export {
  createAnalyzerFromConfig,
  createStorageFromConfig,
  createVideoHandlerFromConfig,
} from "./config/create-from-config.js";
export {
  type AnalyzerConfig,
  loadPipelineConfig,
  PIPELINE_ENV,
  type PipelineConfig,
  redactPipelineConfig,
  type StorageConfig,
} from "./config/load-config.js";
export { PIPELINE_DEFAULTS, type PipelineDefaults } from "./defaults.js";
export {
  AnalysisFailedError,
  ChecksumMismatchError,
  InboxEscapeError,
  InvalidVideoError,
  MalformedResponseError,
  ProviderCallError,
} from "./errors.js";
export { uploadVerified } from "./handler/upload-step.js";
export { createVideoHandler, type VideoHandlerOptions } from "./handler/video-handler.js";
export { Inbox, type InboxFile } from "./inbox/inbox.js";
export {
  type PaidCallParams,
  type PaidCallResult,
  runPaidCall,
  type SendAttempt,
} from "./journal/paid-call.js";
export { type ExtractMetadataOptions, extractMetadata } from "./metadata/extract-metadata.js";
export { findFfprobe } from "./metadata/ffprobe.js";
export { redactUrl, Secret, scrubSecrets } from "./secret.js";
export { crc32cBase64, crc32cOfFile, crc32cUpdate } from "./storage/crc32c.js";
export { createGcsStorage, type GcsStorageOptions } from "./storage/gcs-storage.js";
export { createLocalStorage, type LocalStorageOptions } from "./storage/local-storage.js";
export { objectNameFor } from "./storage/object-name.js";
export type { ObjectStorage, PutObjectParams, StoredObject } from "./storage/object-storage.js";
export {
  parseVideoTaskData,
  type UploadRecord,
  UploadRecordSchema,
  type VideoMetadata,
  VideoMetadataSchema,
  type VideoTaskData,
  VideoTaskDataSchema,
} from "./task-data.js";
