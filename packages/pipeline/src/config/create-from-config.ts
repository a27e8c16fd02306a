import type { Logger } from "@holdfast/core";
import type { Analyzer } from "../analysis/analyzer.js";
import { createGeminiAnalyzer } from "../analysis/gemini-analyzer.js";
import { createOfflineAnalyzer } from "../analysis/offline-analyzer.js";
import { createVideoHandler, type VideoHandlerOptions } from "../handler/video-handler.js";
import { createGcsStorage } from "../storage/gcs-storage.js";
import { createLocalStorage } from "../storage/local-storage.js";
import type { ObjectStorage } from "../storage/object-storage.js";
import type { AnalyzerConfig, PipelineConfig, StorageConfig } from "./load-config.js";

export function createStorageFromConfig(config: StorageConfig): ObjectStorage {
  if (config.kind === "local") return createLocalStorage({ dir: config.dir });
  return createGcsStorage(config);
}

export function createAnalyzerFromConfig(config: AnalyzerConfig): Analyzer {
  if (config.kind === "offline") return createOfflineAnalyzer({ latencyMs: config.latencyMs });
  return createGeminiAnalyzer({
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
    ...(config.vertex ? { vertex: config.vertex } : {}),
    model: config.model,
    ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
    policy: { callTimeoutMs: config.callTimeoutMs, maxCalls: config.maxCalls },
  });
}

/** The composition a CLI or service needs: storage, analyzer and handler from one config. */
export function createVideoHandlerFromConfig(
  config: PipelineConfig,
  overrides: Partial<VideoHandlerOptions> & { logger?: Logger } = {},
) {
  const storage = overrides.storage ?? createStorageFromConfig(config.storage);
  const analyzer = overrides.analyzer ?? createAnalyzerFromConfig(config.analyzer);
  const handler = createVideoHandler({
    storage,
    analyzer,
    inboxDir: config.inboxDir,
    objectPrefix: config.objectPrefix,
    ...(config.ffprobe !== undefined ? { ffprobe: config.ffprobe } : {}),
    ...overrides,
  });
  return { storage, analyzer, handler };
}
