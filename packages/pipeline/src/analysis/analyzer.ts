import type { Logger, TaskStore } from "@holdfast/core";
import { z } from "zod";
import type { VideoMetadata } from "../task-data.js";

/**
 * What an analysis must contain. The same schema is sent to Gemini as the response schema
 * and checks every answer (fresh or reused from the journal) before it is saved.
 */
export const AnalysisSchema = z.object({
  shortSummary: z.string().min(1).describe("One sentence that says what the video shows."),
  summary: z.string().min(1).describe("A paragraph: what happens, who or what appears, the setting."),
  topics: z
    .array(z.string().min(1))
    .min(1)
    .max(20)
    .describe("Topics and tags, most important first, lower case."),
  moments: z
    .array(
      z.object({
        atSeconds: z.number().min(0).describe("Offset from the start of the video, in seconds."),
        label: z.string().min(1).describe("A few words."),
        description: z.string().describe("One sentence."),
      }),
    )
    .max(50)
    .describe("Notable moments in time order."),
});
export type Analysis = z.infer<typeof AnalysisSchema>;

export interface AnalysisInput {
  taskId: number;
  sourceId: string;
  /** The verified copy: gs://… for GCS, file://… for local storage. */
  objectUri: string;
  metadata: VideoMetadata;
}

export interface AnalyzeContext {
  /** Abort when the work must stop; passed to every request. */
  signal: AbortSignal;
  /** Journal writes are unfenced: a paid answer is kept even after the lease is lost. */
  store: TaskStore;
  logger: Logger;
  now: () => Date;
}

export interface AnalysisOutput {
  analysis: Analysis;
  provider: string;
  model: string;
  /** True for the offline analyzer: its output is derived from metadata, not from the video. */
  offline: boolean;
  /** The journal entry whose answer this is (paid analyzers only). */
  journalId?: number;
  /** True when the answer came from the journal instead of a new paid call. */
  reused: boolean;
  /** Paid calls made by this attempt (0 when reused or offline). */
  calls: number;
}

/** The Analyzer port: Gemini (`createGeminiAnalyzer`) or offline (`createOfflineAnalyzer`). */
export interface Analyzer {
  readonly provider: string;
  readonly model: string;
  analyze(input: AnalysisInput, context: AnalyzeContext): Promise<AnalysisOutput>;
}
