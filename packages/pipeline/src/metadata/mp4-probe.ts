import { createFile, type ISOFile, type Movie, MP4BoxBuffer } from "mp4box";

export interface Mp4Facts {
  container: "mp4" | "mov";
  mimeType: string;
  durationSeconds: number;
  width: number | null;
  height: number | null;
  videoCodec: string | null;
  audioCodec: string | null;
}

/**
 * Feeds a file to mp4box chunk by chunk and keeps only the movie header's facts. mp4box
 * tells after each chunk where it wants to read next: past a large `mdat` it asks to skip
 * ahead, so the media data is never handed to it (nor held in memory).
 */
export class Mp4Probe {
  readonly #file: ISOFile;
  #movie: Movie | undefined;
  #error: string | undefined;
  /** The next byte mp4box wants; chunks before it are not fed. */
  #wanted = 0;

  constructor() {
    this.#file = createFile();
    this.#file.onReady = (movie) => {
      this.#movie = movie;
    };
    // Setting onError also keeps mp4box from printing to the console.
    this.#file.onError = (_module, message) => {
      this.#error ??= message;
    };
  }

  /** True once the movie header has been read or parsing failed: no more chunks are needed. */
  get done(): boolean {
    return this.#movie !== undefined || this.#error !== undefined;
  }

  feed(chunk: Uint8Array, fileStart: number): void {
    if (this.done) return;
    const end = fileStart + chunk.byteLength;
    if (end <= this.#wanted) return;
    const from = Math.max(fileStart, this.#wanted);
    const part = chunk.subarray(from - fileStart);
    // mp4box keeps the buffer it is given, so it gets its own copy of just this part.
    const buffer = new MP4BoxBuffer(part.byteLength);
    new Uint8Array(buffer).set(part);
    buffer.fileStart = from;
    const next = this.#file.appendBuffer(buffer);
    this.#wanted = typeof next === "number" && next > end ? next : end;
  }

  /**
   * Call after the last chunk. mp4box never calls back for a file that is not an MP4, so
   * "no movie header" after flush() is the rejection.
   */
  finish(): Mp4Facts | { error: string } {
    if (!this.#movie) this.#file.flush();
    const movie = this.#movie;
    if (!movie) {
      return {
        error: this.#error
          ? `not a readable MP4: ${this.#error}`
          : "no movie header (moov): truncated or not an MP4",
      };
    }
    const video = movie.videoTracks[0];
    const audio = movie.audioTracks[0];
    let durationSeconds = movie.timescale > 0 ? movie.duration / movie.timescale : 0;
    if (durationSeconds === 0 && movie.fragment_duration && movie.fragment_duration.den > 0) {
      durationSeconds = movie.fragment_duration.num / movie.fragment_duration.den;
    }
    if (durationSeconds === 0 && video && video.timescale > 0)
      durationSeconds = video.duration / video.timescale;
    const isQuickTime = movie.brands[0] === "qt  ";
    return {
      container: isQuickTime ? "mov" : "mp4",
      mimeType: isQuickTime ? "video/quicktime" : "video/mp4",
      durationSeconds,
      width: video ? (video.video?.width ?? video.track_width) || null : null,
      height: video ? (video.video?.height ?? video.track_height) || null : null,
      videoCodec: video?.codec ?? null,
      audioCodec: audio?.codec ?? null,
    };
  }
}
