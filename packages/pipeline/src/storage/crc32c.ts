import { open } from "node:fs/promises";

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum GCS reports as
// `crc32c`. Only needed when a storage reports no MD5, so a plain table is fast enough.
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32cUpdate(crc: number, bytes: Uint8Array): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = (TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

/** GCS's encoding: the 4 bytes big-endian, base64. */
export function crc32cBase64(crc: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(crc >>> 0);
  return bytes.toString("base64");
}

export async function crc32cOfFile(
  path: string,
  signal?: AbortSignal,
  chunkBytes = 1024 * 1024,
): Promise<string> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(chunkBytes);
    let crc = 0;
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return crc32cBase64(crc);
      crc = crc32cUpdate(crc, buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
}
