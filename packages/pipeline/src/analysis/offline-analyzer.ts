import { setTimeout as sleep } from "node:timers/promises";
import { PIPELINE_DEFAULTS } from "../defaults.js";
import type { Analysis, AnalysisInput, AnalysisOutput, AnalyzeContext, Analyzer } from "./analyzer.js";

export interface OfflineAnalyzerOptions {
  /** Simulated latency per analysis, in ms (respects the AbortSignal). */
  latencyMs?: number;
}

function formatSeconds(seconds: number): string {
  return seconds < 60
    ? `${seconds.toFixed(1)} s`
    : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** Derives an analysis from the metadata alone: deterministic, free, and labelled offline. */
export function offlineAnalysis(input: AnalysisInput): Analysis {
  const m = input.metadata;
  const size = m.width && m.height ? `${m.width}x${m.height}` : "unknown size";
  const length = formatSeconds(m.durationSeconds);
  const audio = m.audioCodec ? `with ${m.audioCodec} audio` : "without audio";
  const orientation =
    m.width && m.height
      ? m.width > m.height
        ? "landscape"
        : m.width < m.height
          ? "portrait"
          : "square"
      : "unknown";
  const duration = m.durationSeconds < 60 ? "short" : m.durationSeconds < 600 ? "medium" : "long";
  const topics = [
    "offline-analysis",
    m.container,
    m.videoCodec ?? "unknown-codec",
    orientation,
    `${duration}-video`,
    m.audioCodec ? "has-audio" : "no-audio",
  ];
  const moments = [0, 0.25, 0.5, 0.75].map((fraction, index) => ({
    atSeconds: Math.round(m.durationSeconds * fraction * 1000) / 1000,
    label: index === 0 ? "start" : `${fraction * 100}% mark`,
    description: `Offline placeholder at ${formatSeconds(m.durationSeconds * fraction)}: no model looked at the video.`,
  }));
  return {
    shortSummary: `[offline] A ${length} ${m.container} video, ${size}, ${audio}.`,
    summary:
      `[offline] This analysis was produced without a model, from the file's metadata only: ` +
      `a ${length} ${orientation} ${m.container} video (${m.videoCodec ?? "unknown"} video codec, ${size}) ${audio}, ` +
      `${m.sizeBytes} bytes, SHA-256 ${m.sha256.slice(0, 12)}…, stored at ${input.objectUri}.`,
    topics,
    moments,
  };
}

/**
 * The offline analyzer: for demos, tests and installs without a Gemini account. Its output
 * says it is offline (`offline: true`, `[offline]` in the summaries), so it is never
 * mistaken for a model's work.
 */
export function createOfflineAnalyzer(options: OfflineAnalyzerOptions = {}): Analyzer {
  const latencyMs = options.latencyMs ?? PIPELINE_DEFAULTS.offlineLatencyMs;
  return {
    provider: "offline",
    model: PIPELINE_DEFAULTS.offlineModel,
    async analyze(input: AnalysisInput, context: AnalyzeContext): Promise<AnalysisOutput> {
      context.signal.throwIfAborted();
      if (latencyMs > 0) await sleep(latencyMs, undefined, { signal: context.signal });
      return {
        analysis: offlineAnalysis(input),
        provider: "offline",
        model: PIPELINE_DEFAULTS.offlineModel,
        offline: true,
        reused: false,
        calls: 0,
      };
    },
  };
}
