import { defineStageMachine } from "./stage-machine.js";

/** The seed's status names, kept so an existing `videos` table reads the same. */
export const VIDEO_STAGES = [
  "pending",
  "metadata_extracting",
  "processing",
  "video_analysis_completed",
  "failed",
] as const;
export type VideoStage = (typeof VIDEO_STAGES)[number];

/**
 * Who moves a row out of each stage:
 * - pending: a worker's claim (→ metadata_extracting).
 * - metadata_extracting: the worker holding the lease (→ processing, or → failed on a
 *   permanent error); unleased, it is ready and any worker may claim it. Idempotent: a
 *   verified upload recorded on the row is not repeated.
 * - processing: the worker holding the lease (→ video_analysis_completed); if the lease is
 *   released or expires, release/recovery moves it back to metadata_extracting, the seed's
 *   reset target. A holdfast row is in processing only while it holds a lease.
 * - video_analysis_completed, failed: nobody; terminal.
 */
export const videoStageMachine = defineStageMachine<VideoStage>({
  stages: VIDEO_STAGES,
  initial: "pending",
  transitions: {
    pending: ["metadata_extracting", "failed"],
    metadata_extracting: ["processing", "failed"],
    processing: ["video_analysis_completed", "metadata_extracting", "failed"],
    video_analysis_completed: [],
    failed: [],
  },
  terminal: ["video_analysis_completed", "failed"],
  ready: ["pending", "metadata_extracting"],
  releaseTo: { processing: "metadata_extracting" },
  failed: "failed",
  completed: "video_analysis_completed",
  legacyStuck: ["processing"],
});
