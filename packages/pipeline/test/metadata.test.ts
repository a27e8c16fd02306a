import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { InvalidVideoError } from "../src/errors.js";
import { Inbox } from "../src/inbox/inbox.js";
import { extractMetadata } from "../src/metadata/extract-metadata.js";
import { findFfprobe } from "../src/metadata/ffprobe.js";
import { FIXTURES } from "./helpers.js";

const inbox = Inbox.open(FIXTURES);

async function metadataOf(name: string, options: Parameters<typeof extractMetadata>[1] = {}) {
  const file = await inbox.find(name);
  if (!file) throw new Error(`fixture ${name} missing`);
  return extractMetadata(file, { ffprobe: null, ...options });
}

async function reasonFor(name: string, options: Parameters<typeof extractMetadata>[1] = {}): Promise<string> {
  const err = await metadataOf(name, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidVideoError);
  return (err as InvalidVideoError).reason;
}

describe("extractMetadata (mp4box, no ffprobe needed)", () => {
  it("reads an H.264 + AAC MP4 whose movie header is at the end", async () => {
    const bytes = await readFile(`${FIXTURES}/tiny-h264-aac.mp4`);
    const m = await metadataOf("tiny-h264-aac.mp4");
    expect(m).toEqual({
      sizeBytes: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      md5: createHash("md5").update(bytes).digest("base64"),
      container: "mp4",
      mimeType: "video/mp4",
      durationSeconds: 1,
      width: 160,
      height: 120,
      videoCodec: expect.stringMatching(/^avc1\./),
      audioCodec: "mp4a.40.2",
      reader: "mp4box",
    });
  });

  it("gives the same answer whatever the chunk size (the file is streamed, not loaded)", async () => {
    const whole = await metadataOf("tiny-h264-aac.mp4");
    expect(await metadataOf("tiny-h264-aac.mp4", { chunkBytes: 97 })).toEqual(whole);
    expect(await metadataOf("tiny-faststart.mp4", { chunkBytes: 64 })).toEqual(
      await metadataOf("tiny-faststart.mp4"),
    );
  });

  it("reads a video-only MP4 with the movie header first", async () => {
    const m = await metadataOf("tiny-faststart.mp4");
    expect(m).toMatchObject({
      container: "mp4",
      durationSeconds: 2,
      width: 96,
      height: 64,
      audioCodec: null,
    });
  });

  it("reads a QuickTime MOV", async () => {
    const m = await metadataOf("tiny.mov");
    expect(m).toMatchObject({
      container: "mov",
      mimeType: "video/quicktime",
      width: 64,
      height: 48,
      videoCodec: "mp4v",
    });
  });

  it("rejects an empty file", async () => {
    expect(await reasonFor("empty.mp4")).toBe("empty file (0 bytes)");
  });

  it("rejects an MP4 cut off before its movie header", async () => {
    expect(await reasonFor("truncated-no-moov.mp4")).toMatch(/^truncated: the 'mdat' box at byte \d+ needs/);
  });

  it("rejects an MP4 whose media data was cut off, although mp4box would read its header", async () => {
    expect(await reasonFor("truncated-mdat.mp4")).toMatch(/^truncated: the 'mdat' box/);
  });

  it("rejects a text file without ffprobe, saying what it would need", async () => {
    expect(await reasonFor("not-a-video.mp4")).toMatch(/not an MP4\/MOV file.*ffprobe.*not on the PATH/);
  });

  it("rejects WebM without ffprobe instead of guessing", async () => {
    expect(await reasonFor("tiny.webm")).toMatch(/ffprobe/);
  });

  it("names the file in the error message", async () => {
    await expect(metadataOf("empty.mp4")).rejects.toThrow('video "empty.mp4": empty file (0 bytes)');
  });
});

// ffprobe is optional for the product. CI installs it (.ci/run) and must run these tests;
// on a machine without it they are skipped with a visible message.
const ffprobe = await findFfprobe();
if (!ffprobe && process.env.CI !== "true") {
  console.warn(
    "\n  ⚠ SKIPPING the ffprobe metadata tests: ffprobe is not on the PATH (apt-get install ffmpeg)\n",
  );
}
describe.skipIf(!ffprobe && process.env.CI !== "true")("extractMetadata with ffprobe", () => {
  it("is installed for this test run", () => {
    expect(ffprobe).not.toBeNull();
  });

  it("reads WebM through ffprobe", async () => {
    const m = await metadataOf("tiny.webm", { ffprobe });
    expect(m).toMatchObject({
      container: "webm",
      mimeType: "video/webm",
      width: 64,
      height: 48,
      videoCodec: "vp8",
      audioCodec: "vorbis",
      reader: "ffprobe",
    });
    expect(m.durationSeconds).toBeCloseTo(1.03, 2);
  });

  it("rejects a text file with ffprobe's verdict", async () => {
    expect(await reasonFor("not-a-video.mp4", { ffprobe })).toMatch(/^not a video: /);
  });

  it("still reads MP4 with mp4box when ffprobe is there", async () => {
    expect((await metadataOf("tiny.mov", { ffprobe })).reader).toBe("mp4box");
  });
});
