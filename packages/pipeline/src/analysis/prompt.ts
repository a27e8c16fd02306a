import { z } from "zod";
import type { VideoMetadata } from "../task-data.js";
import { AnalysisSchema } from "./analyzer.js";

/**
 * The instruction sent with every video. Part of the request hash: changing it means a new
 * request, so answers saved for the old prompt are not reused for the new one.
 */
export function analysisPrompt(metadata: VideoMetadata): string {
  return [
    "Analyse this video and answer in JSON that follows the response schema exactly.",
    `The file is a ${metadata.durationSeconds.toFixed(2)} second ${metadata.container} video` +
      (metadata.width && metadata.height ? ` of ${metadata.width}x${metadata.height} pixels.` : "."),
    "shortSummary: one sentence. summary: one paragraph.",
    "topics: up to 20 lower-case topics or tags, most important first.",
    "moments: notable moments in time order; atSeconds is the offset from the start, within the video's length.",
    "Describe only what is in the video; do not guess names or places that are not shown or said.",
  ].join("\n");
}

/** The analysis schema as JSON Schema, for a provider's structured-output setting. */
export function analysisJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(AnalysisSchema) as Record<string, unknown>;
  delete schema.$schema;
  return schema;
}
