import { ChecksumMismatchError } from "../errors.js";
import type { InboxFile } from "../inbox/inbox.js";
import { crc32cOfFile } from "../storage/crc32c.js";
import { objectNameFor } from "../storage/object-name.js";
import type { ObjectStorage, StoredObject } from "../storage/object-storage.js";
import type { UploadRecord, VideoMetadata } from "../task-data.js";

export interface UploadStepOptions {
  storage: ObjectStorage;
  objectPrefix: string;
  signal: AbortSignal;
  now: () => Date;
}

type Verdict = { ok: true; verifiedBy: "md5" | "crc32c"; checksum: string } | { ok: false; error: Error };

/**
 * Compares what the storage reports with the local file: size, then MD5 when reported,
 * else CRC32C (computed locally only then). A storage that reports neither cannot be
 * verified, and an unverified upload never lets the local file be deleted.
 */
async function verify(
  stored: StoredObject,
  metadata: VideoMetadata,
  file: InboxFile,
  signal: AbortSignal,
): Promise<Verdict> {
  if (stored.sizeBytes !== metadata.sizeBytes) {
    return {
      ok: false,
      error: new ChecksumMismatchError(
        stored.uri,
        "size",
        String(metadata.sizeBytes),
        String(stored.sizeBytes),
      ),
    };
  }
  if (stored.md5) {
    return stored.md5 === metadata.md5
      ? { ok: true, verifiedBy: "md5", checksum: stored.md5 }
      : { ok: false, error: new ChecksumMismatchError(stored.uri, "md5Hash", metadata.md5, stored.md5) };
  }
  if (stored.crc32c) {
    const local = await crc32cOfFile(file.realPath, signal);
    return stored.crc32c === local
      ? { ok: true, verifiedBy: "crc32c", checksum: local }
      : { ok: false, error: new ChecksumMismatchError(stored.uri, "crc32c", local, stored.crc32c) };
  }
  return {
    ok: false,
    error: new Error(`storage reported no checksum for ${stored.uri}; cannot verify the upload`),
  };
}

/**
 * Uploads the file under its content-derived name and verifies it against the object
 * metadata the storage reports afterwards. When a verified copy is already there (an
 * earlier attempt uploaded it but died before recording it), the upload is skipped.
 * Throws ChecksumMismatchError on a mismatch: the caller keeps the local file.
 */
export async function uploadVerified(
  file: InboxFile,
  metadata: VideoMetadata,
  options: UploadStepOptions,
): Promise<UploadRecord & { reused: boolean }> {
  const { storage, signal } = options;
  const objectName = objectNameFor(metadata, options.objectPrefix);
  const record = (verdict: { verifiedBy: "md5" | "crc32c"; checksum: string }, reused: boolean) => ({
    uri: storage.uriFor(objectName),
    objectName,
    storage: storage.kind,
    sizeBytes: metadata.sizeBytes,
    verifiedBy: verdict.verifiedBy,
    checksum: verdict.checksum,
    verifiedAt: options.now().toISOString(),
    reused,
  });

  const existing = await storage.stat(objectName, signal);
  if (existing) {
    const verdict = await verify(existing, metadata, file, signal);
    if (verdict.ok) return record(verdict, true);
  }
  await storage.put({
    localPath: file.realPath,
    objectName,
    contentType: metadata.mimeType,
    sizeBytes: metadata.sizeBytes,
    labels: { sha256: metadata.sha256 },
    signal,
  });
  const stored = await storage.stat(objectName, signal);
  if (!stored)
    throw new Error(`upload to ${storage.uriFor(objectName)} finished but the object is not there`);
  const verdict = await verify(stored, metadata, file, signal);
  if (!verdict.ok) throw verdict.error;
  return record(verdict, false);
}
