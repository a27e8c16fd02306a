import type { FileHandle } from "node:fs/promises";

/** Top-level box types an MP4/QuickTime file may start with. */
const LEADING_BOX_TYPES = new Set(["ftyp", "moov", "mdat", "free", "skip", "wide", "pnot", "styp", "sidx"]);

/** True when the first bytes look like an ISO BMFF (MP4/MOV) file. */
export function looksLikeIsoBmff(head: Uint8Array): boolean {
  if (head.length < 8) return false;
  const type = Buffer.from(head.subarray(4, 8)).toString("latin1");
  return LEADING_BOX_TYPES.has(type);
}

/**
 * Walks the top-level boxes by their headers (a few small reads, whatever the file's size)
 * and returns why the layout is broken, or null when every box ends inside the file.
 * mp4box alone cannot tell: with the movie header first (+faststart) it reports a file whose
 * media data was cut off as a perfectly good movie.
 */
export async function checkBoxLayout(file: FileHandle, size: number): Promise<string | null> {
  const header = Buffer.alloc(16);
  let offset = 0;
  while (offset < size) {
    const { bytesRead } = await file.read(header, 0, 16, offset);
    if (bytesRead < 8) return `truncated: a box header at byte ${offset} is cut off`;
    let boxSize = header.readUInt32BE(0);
    const type = header.toString("latin1", 4, 8);
    if (!/^[\x20-\x7e]{4}$/.test(type)) return `corrupt: no valid box at byte ${offset}`;
    if (boxSize === 0) return null; // "extends to the end of the file"
    if (boxSize === 1) {
      if (bytesRead < 16) return `truncated: the '${type}' box header at byte ${offset} is cut off`;
      boxSize = Number(header.readBigUInt64BE(8));
    }
    if (boxSize < 8) return `corrupt: the '${type}' box at byte ${offset} declares ${boxSize} bytes`;
    if (offset + boxSize > size) {
      return `truncated: the '${type}' box at byte ${offset} needs ${boxSize} bytes but the file ends after ${size - offset}`;
    }
    offset += boxSize;
  }
  return null;
}
