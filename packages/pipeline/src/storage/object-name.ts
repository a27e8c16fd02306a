import type { VideoMetadata } from "../task-data.js";

const EXTENSION: Record<string, string> = {
  mp4: ".mp4",
  mov: ".mov",
  webm: ".webm",
  matroska: ".mkv",
  avi: ".avi",
  mpegts: ".ts",
  flv: ".flv",
  ogg: ".ogv",
};

/**
 * The object name for a video: `<prefix><sha256><ext>`. Derived from the content, so a
 * retry (or the same video added twice) overwrites the same object instead of adding one.
 */
export function objectNameFor(metadata: Pick<VideoMetadata, "sha256" | "container">, prefix: string): string {
  return `${prefix}${metadata.sha256}${EXTENSION[metadata.container] ?? ""}`;
}
