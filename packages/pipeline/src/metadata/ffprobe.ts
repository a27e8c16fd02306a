import { execFile } from "node:child_process";
import { access, constants } from "node:fs/promises";
import { delimiter, extname, join } from "node:path";

export interface FfprobeFacts {
  container: string;
  mimeType: string;
  durationSeconds: number;
  width: number | null;
  height: number | null;
  videoCodec: string | null;
  audioCodec: string | null;
}

/** Finds an executable ffprobe on the PATH. The pipeline works without one (MP4/MOV only). */
export async function findFfprobe(path = process.env.PATH ?? ""): Promise<string | null> {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, "ffprobe");
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return null;
}

const MIME_BY_CONTAINER: Record<string, string> = {
  webm: "video/webm",
  matroska: "video/x-matroska",
  avi: "video/x-msvideo",
  mpegts: "video/mp2t",
  mpeg: "video/mpeg",
  flv: "video/x-flv",
  asf: "video/x-ms-asf",
  ogg: "video/ogg",
  mov: "video/quicktime",
  mp4: "video/mp4",
  "3gp": "video/3gpp",
};

interface ProbeJson {
  format?: { format_name?: string; duration?: string };
  streams?: Array<{
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    duration?: string;
    disposition?: { attached_pic?: number };
  }>;
}

export class FfprobeRejected extends Error {}

/**
 * Reads a non-MP4 container with ffprobe. Throws FfprobeRejected (with ffprobe's own
 * reason) when the file is not a video ffprobe can read.
 */
export function runFfprobe(ffprobe: string, file: string, signal: AbortSignal): Promise<FfprobeFacts> {
  return new Promise((resolve, reject) => {
    execFile(
      ffprobe,
      ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", "--", file],
      { signal, maxBuffer: 8 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (signal.aborted) return reject(signal.reason);
        if (err) {
          const said = stderr.trim().split("\n").pop() ?? "";
          // The message names the file by its real path; keep just ffprobe's verdict.
          const verdict = said.includes(": ") ? said.slice(said.lastIndexOf(": ") + 2) : said;
          return reject(new FfprobeRejected(verdict || `ffprobe exited with ${err.code}`));
        }
        try {
          resolve(readProbe(JSON.parse(stdout) as ProbeJson, file));
        } catch (parseErr) {
          reject(parseErr);
        }
      },
    );
  });
}

function readProbe(probe: ProbeJson, file: string): FfprobeFacts {
  const names = (probe.format?.format_name ?? "").split(",").filter(Boolean);
  if (names.length === 0) throw new FfprobeRejected("ffprobe found no container");
  if (names.some((n) => n.endsWith("_pipe") || n === "image2" || n === "tty")) {
    throw new FfprobeRejected(`a ${names[0]} file, not a video`);
  }
  const streams = probe.streams ?? [];
  const video = streams.find((s) => s.codec_type === "video" && !s.disposition?.attached_pic);
  if (!video) throw new FfprobeRejected("no video stream");
  const audio = streams.find((s) => s.codec_type === "audio");
  // "matroska,webm": pick the name the file's extension agrees with, else the first.
  const ext = extname(file).slice(1).toLowerCase();
  const container = names.find((n) => n === ext) ?? names[0] ?? "unknown";
  const duration = Number(probe.format?.duration ?? video.duration ?? 0);
  return {
    container,
    mimeType: MIME_BY_CONTAINER[container] ?? "application/octet-stream",
    durationSeconds: Number.isFinite(duration) ? duration : 0,
    width: video.width || null,
    height: video.height || null,
    videoCodec: video.codec_name ?? null,
    audioCodec: audio?.codec_name ?? null,
  };
}
