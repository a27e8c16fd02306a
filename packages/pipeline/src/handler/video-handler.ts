import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { type Logger, PermanentError, type TaskContext, type TaskHandler } from "@holdfast/core";
import type { Analyzer } from "../analysis/analyzer.js";
import { PIPELINE_DEFAULTS } from "../defaults.js";
import { InvalidVideoError } from "../errors.js";
import { Inbox, type InboxFile } from "../inbox/inbox.js";
import { extractMetadata } from "../metadata/extract-metadata.js";
import type { ObjectStorage } from "../storage/object-storage.js";
import { parseVideoTaskData, type VideoTaskData } from "../task-data.js";
import { uploadVerified } from "./upload-step.js";

export interface VideoHandlerOptions {
  storage: ObjectStorage;
  analyzer: Analyzer;
  /** The only directory video files are read from and deleted in. Must exist. */
  inboxDir: string;
  /** Defaults to the worker's logger. */
  logger?: Logger;
  objectPrefix?: string;
  /** ffprobe for containers other than MP4/MOV: a path, null for never, undefined to look on the PATH. */
  ffprobe?: string | null;
  readChunkBytes?: number;
}

async function sha256OfFile(path: string, signal: AbortSignal): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { signal })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * The video pipeline as a worker handler. One claim carries a video through every stage,
 * and each stage starts from what the row already records, so an attempt that died
 * anywhere is resumed, not redone:
 *
 *   metadata_extracting  read metadata (size, SHA-256, container, duration, size, codecs),
 *                        upload under a content-derived name, verify the checksum the
 *                        storage reports. Skipped when the row records a verified upload.
 *   → processing         the move records metadata and the object URI on the row; only
 *                        then is the local file deleted (inside the inbox, same file only).
 *                        The analysis runs; its paid calls are journaled, and a saved
 *                        answer is reused instead of paying again.
 *   → video_analysis_completed   ctx.complete saves the result and the stage together.
 *
 * A file that is missing, empty, truncated, not a video, or outside the inbox fails the
 * row at once (PermanentError). A checksum mismatch keeps the file and fails the attempt.
 */
export function createVideoHandler(options: VideoHandlerOptions): TaskHandler {
  const inbox = Inbox.open(options.inboxDir);
  const objectPrefix = options.objectPrefix ?? PIPELINE_DEFAULTS.objectPrefix;
  const { storage, analyzer } = options;

  async function deleteLocal(ctx: TaskContext, logger: Logger, file: InboxFile, data: VideoTaskData) {
    const outcome = await inbox.remove(file);
    const log = { taskId: ctx.task.id, path: file.path, uri: data.upload?.uri };
    if (outcome === "changed") logger.warn(log, "local file changed after the upload; kept");
    else
      logger.info(
        log,
        outcome === "deleted" ? "local file deleted after verified upload" : "local file already gone",
      );
    return outcome === "deleted" ? ctx.now().toISOString() : undefined;
  }

  return async (ctx: TaskContext) => {
    const logger = options.logger ?? ctx.logger;
    const { signal } = ctx;
    let data = parseVideoTaskData(ctx.task.data);
    const log = { taskId: ctx.task.id, sourceId: ctx.task.sourceId, path: data.path };

    if (ctx.task.stage === "pending") await ctx.advance("metadata_extracting");
    if (ctx.task.stage === "metadata_extracting") {
      const file = await inbox.find(data.path);
      let deletedAt: string | undefined;
      if (!data.upload || !data.metadata) {
        if (!file) throw new InvalidVideoError(data.path, "file not found in the inbox");
        const metadata = await extractMetadata(file, {
          signal,
          ...(options.ffprobe !== undefined ? { ffprobe: options.ffprobe } : {}),
          ...(options.readChunkBytes ? { chunkBytes: options.readChunkBytes } : {}),
        });
        logger.info({ ...log, ...metadata }, "metadata extracted");
        const { reused, ...upload } = await uploadVerified(file, metadata, {
          storage,
          objectPrefix,
          signal,
          now: ctx.now,
        });
        logger.info({ ...log, uri: upload.uri, verifiedBy: upload.verifiedBy, reused }, "upload verified");
        data = { ...data, metadata, upload };
        // The row records the verified copy before the only other copy is deleted.
        await ctx.advance("processing", data);
        deletedAt = await deleteLocal(ctx, logger, file, data);
      } else {
        await ctx.advance("processing", data);
        // An earlier attempt verified the upload and died before deleting: delete now,
        // but only if the file is still the video that was uploaded.
        if (file) {
          if ((await sha256OfFile(file.realPath, signal)) === data.metadata.sha256) {
            deletedAt = await deleteLocal(ctx, logger, file, data);
          } else {
            logger.warn(
              { ...log, uri: data.upload.uri },
              "a different file is at the video's path now; kept",
            );
          }
        }
      }
      if (deletedAt) data = { ...data, localDeletedAt: deletedAt };
    }

    if (ctx.task.stage !== "processing") {
      throw new PermanentError(
        `task ${ctx.task.id} is in stage ${ctx.task.stage}, which the video handler does not run`,
      );
    }
    const { upload, metadata } = data;
    if (!upload || !metadata) {
      throw new PermanentError(`task ${ctx.task.id} is in processing without a verified upload recorded`);
    }
    const output = await analyzer.analyze(
      { taskId: ctx.task.id, sourceId: ctx.task.sourceId, objectUri: upload.uri, metadata },
      { signal, store: ctx.store, logger, now: ctx.now },
    );
    logger.info(
      { ...log, provider: output.provider, model: output.model, reused: output.reused, calls: output.calls },
      "analysis done",
    );
    await ctx.complete(
      {
        analysis: output.analysis,
        provider: output.provider,
        model: output.model,
        offline: output.offline,
        ...(output.journalId !== undefined ? { journalId: output.journalId } : {}),
        reusedPaidAnswer: output.reused,
        objectUri: upload.uri,
        video: {
          sha256: metadata.sha256,
          sizeBytes: metadata.sizeBytes,
          container: metadata.container,
          durationSeconds: metadata.durationSeconds,
          width: metadata.width,
          height: metadata.height,
          videoCodec: metadata.videoCodec,
          audioCodec: metadata.audioCodec,
        },
        analyzedAt: ctx.now().toISOString(),
      },
      data,
    );
  };
}
