import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The valid MP4 fixtures of the pipeline's tests (a few KB each). */
export const FIXTURES = ["tiny-h264-aac.mp4", "tiny-faststart.mp4"];

/**
 * Writes `count` distinct, valid MP4 files: a fixture with a top-level `free` box appended
 * that names the video. A free box is legal anywhere at the top level and every reader skips
 * it, so each file stays a valid MP4 while its content — and so its SHA-256, its source id
 * and its object name — is its own.
 */
export function makeVideos({ root, dir, count, seed }) {
  const fixtures = FIXTURES.map((f) => readFileSync(join(root, "packages/pipeline/test/fixtures", f)));
  const videos = [];
  for (let i = 0; i < count; i++) {
    const tag = Buffer.from(`holdfast-chaos seed=${seed} video=${i}`);
    const box = Buffer.alloc(8 + tag.length);
    box.writeUInt32BE(box.length, 0);
    box.write("free", 4, "latin1");
    tag.copy(box, 8);
    const content = Buffer.concat([fixtures[i % fixtures.length], box]);
    const file = join(dir, `chaos-${String(i).padStart(4, "0")}.mp4`);
    writeFileSync(file, content);
    videos.push({
      index: i,
      file,
      size: content.length,
      sha256: createHash("sha256").update(content).digest("hex"),
      md5: createHash("md5").update(content).digest("base64"),
    });
  }
  return videos;
}
