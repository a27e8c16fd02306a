import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { PIPELINE_DEFAULTS } from "../defaults.js";
import { InvalidVideoError } from "../errors.js";
import type { InboxFile } from "../inbox/inbox.js";
import type { VideoMetadata } from "../task-data.js";
import { checkBoxLayout, looksLikeIsoBmff } from "./box-layout.js";
import { FfprobeRejected, findFfprobe, runFfprobe } from "./ffprobe.js";
import { Mp4Probe } from "./mp4-probe.js";

export interface ExtractMetadataOptions {
  signal?: AbortSignal;
  /**
   * ffprobe for containers other than MP4/MOV: a path, null to never use it, or undefined
   * to look it up on the PATH. MP4 and MOV never need it.
   */
  ffprobe?: string | null;
  chunkBytes?: number;
}

/**
 * Reads the video once, in chunks: SHA-256 and MD5 of every byte, and the movie header
 * through mp4box on the way (MP4/MOV), or ffprobe afterwards for other containers.
 * A file that cannot be a usable video throws InvalidVideoError (permanent); a file that
 * changed while it was read throws a plain Error (try again later: it may still be arriving).
 */
export async function extractMetadata(
  file: InboxFile,
  options: ExtractMetadataOptions = {},
): Promise<VideoMetadata> {
  const signal = options.signal ?? new AbortController().signal;
  const chunkBytes = options.chunkBytes ?? PIPELINE_DEFAULTS.readChunkBytes;
  const size = file.stats.size;
  if (size === 0) throw new InvalidVideoError(file.path, "empty file (0 bytes)");

  const handle = await open(file.realPath, "r");
  const sha256 = createHash("sha256");
  const md5 = createHash("md5");
  let probe: Mp4Probe | undefined;
  try {
    const head = Buffer.alloc(16);
    await handle.read(head, 0, 16, 0);
    if (looksLikeIsoBmff(head)) {
      const broken = await checkBoxLayout(handle, size);
      if (broken) throw new InvalidVideoError(file.path, broken);
      probe = new Mp4Probe();
    }
    const buffer = Buffer.alloc(Math.min(chunkBytes, size));
    let position = 0;
    for (;;) {
      signal.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      sha256.update(chunk);
      md5.update(chunk);
      probe?.feed(chunk, position);
      position += bytesRead;
    }
    const after = await handle.stat();
    if (position !== size || after.size !== size || after.mtimeMs !== file.stats.mtimeMs) {
      throw new Error(`video ${JSON.stringify(file.path)} changed while it was read (still being written?)`);
    }
  } finally {
    await handle.close();
  }

  let facts: Omit<VideoMetadata, "sizeBytes" | "sha256" | "md5" | "reader">;
  let reader: VideoMetadata["reader"];
  if (probe) {
    const result = probe.finish();
    if ("error" in result) throw new InvalidVideoError(file.path, result.error);
    if (!result.videoCodec) throw new InvalidVideoError(file.path, "no video track");
    facts = result;
    reader = "mp4box";
  } else {
    const ffprobe = options.ffprobe === undefined ? await findFfprobe() : options.ffprobe;
    if (!ffprobe) {
      throw new InvalidVideoError(
        file.path,
        "not an MP4/MOV file, and other containers need ffprobe, which is not on the PATH",
      );
    }
    try {
      facts = await runFfprobe(ffprobe, file.realPath, signal);
    } catch (err) {
      if (err instanceof FfprobeRejected)
        throw new InvalidVideoError(file.path, `not a video: ${err.message}`);
      throw err;
    }
    reader = "ffprobe";
  }
  if (!(facts.durationSeconds > 0)) throw new InvalidVideoError(file.path, "the video has no duration");
  return {
    sizeBytes: size,
    sha256: sha256.digest("hex"),
    md5: md5.digest("base64"),
    ...facts,
    reader,
  };
}
