import { PermanentError } from "@holdfast/core";
import { z } from "zod";

/** What the metadata stage records about a video (the row's `data.metadata`). */
export const VideoMetadataSchema = z.object({
  sizeBytes: z.number().int().positive(),
  /** Hex. Names the object in storage and identifies the content across retries. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Base64, as GCS reports `md5Hash`: the upload is verified against it. */
  md5: z.string().min(1),
  /** "mp4", "mov", or the first name ffprobe gives ("matroska", "avi" …). */
  container: z.string().min(1),
  mimeType: z.string().min(1),
  durationSeconds: z.number().nonnegative(),
  width: z.number().int().positive().nullable(),
  height: z.number().int().positive().nullable(),
  videoCodec: z.string().nullable(),
  audioCodec: z.string().nullable(),
  /** Which reader produced it: mp4box (built in) or ffprobe (when on the PATH). */
  reader: z.enum(["mp4box", "ffprobe"]),
});
export type VideoMetadata = z.infer<typeof VideoMetadataSchema>;

/** A verified upload (the row's `data.upload`). Its presence means: never upload again. */
export const UploadRecordSchema = z.object({
  uri: z.string().min(1),
  objectName: z.string().min(1),
  storage: z.string().min(1),
  sizeBytes: z.number().int().nonnegative(),
  /** Which checksum the storage reported and matched. */
  verifiedBy: z.enum(["md5", "crc32c"]),
  checksum: z.string().min(1),
  verifiedAt: z.string(),
});
export type UploadRecord = z.infer<typeof UploadRecordSchema>;

/**
 * The row's `data` document for a video. Only `path` is required when the row is added
 * (`holdfast videos add`); the handler adds `metadata` and `upload` as it goes. Unknown
 * keys are kept as they are.
 */
export const VideoTaskDataSchema = z.looseObject({
  /** The video file, relative to the inbox directory (or absolute, inside it). */
  path: z.string().min(1),
  metadata: VideoMetadataSchema.optional(),
  upload: UploadRecordSchema.optional(),
  /** When the local file was deleted after the verified upload. */
  localDeletedAt: z.string().optional(),
});
export type VideoTaskData = z.infer<typeof VideoTaskDataSchema>;

/** Reads a row's data; a row without a usable `path` can never succeed, so it fails at once. */
export function parseVideoTaskData(data: Record<string, unknown>): VideoTaskData {
  const parsed = VideoTaskDataSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join(".") || "data";
    throw new PermanentError(`task data is invalid at ${where}: ${issue?.message ?? "unknown"}`);
  }
  return parsed.data;
}
