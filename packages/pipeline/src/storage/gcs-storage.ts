import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import type { Bucket, StorageOptions } from "@google-cloud/storage";
import { ConfigError } from "@holdfast/core";
import { PIPELINE_DEFAULTS } from "../defaults.js";
import type { ObjectStorage, PutObjectParams, StoredObject } from "./object-storage.js";

export interface GcsStorageOptions {
  bucket: string;
  projectId?: string;
  /**
   * Another endpoint than storage.googleapis.com (an emulator or a proxy). The SDK sends no
   * Google credentials to a custom endpoint unless `authWithCustomEndpoint` is set.
   */
  apiEndpoint?: string;
  authWithCustomEndpoint?: boolean;
  /** A service-account key file; otherwise Application Default Credentials. */
  keyFilename?: string;
  /** Files larger than this use a resumable upload. */
  resumableThresholdBytes?: number;
  /** Passed to the SDK as is (retry options, credentials …). */
  storageOptions?: StorageOptions;
}

function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === "number" ? code : undefined;
}

/** Runs `work`, but returns as soon as `signal` aborts (the SDK's metadata calls take no signal). */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

/**
 * Google Cloud Storage through @google-cloud/storage. Uploads stream from disk (multipart
 * below the resumable threshold, resumable above it) with the SDK's own hash validation off:
 * the upload step verifies every backend the same way, against the object metadata that a
 * separate GET returns (`md5Hash`, `crc32c`), i.e. what GCS really stored.
 */
export function createGcsStorage(options: GcsStorageOptions): ObjectStorage {
  if (!options.bucket) throw new ConfigError("gcs storage: a bucket name is required");
  const threshold = options.resumableThresholdBytes ?? PIPELINE_DEFAULTS.resumableThresholdBytes;
  // The SDK takes ~0.3 s to import: load it on first use, so a process that only reads
  // the configuration (or runs with local storage) never pays for it.
  let bucketPromise: Promise<Bucket> | undefined;
  const bucket = () =>
    (bucketPromise ??= import("@google-cloud/storage").then(({ Storage }) =>
      new Storage({
        ...options.storageOptions,
        ...(options.projectId ? { projectId: options.projectId } : {}),
        ...(options.apiEndpoint ? { apiEndpoint: options.apiEndpoint } : {}),
        ...(options.keyFilename ? { keyFilename: options.keyFilename } : {}),
        ...(options.authWithCustomEndpoint ? { useAuthWithCustomEndpoint: true } : {}),
      }).bucket(options.bucket),
    ));
  return {
    kind: "gcs",
    uriFor: (objectName) => `gs://${options.bucket}/${objectName}`,
    async put(p: PutObjectParams): Promise<void> {
      const file = (await bucket()).file(p.objectName);
      const resumable = p.sizeBytes > threshold;
      await pipeline(
        createReadStream(p.localPath),
        file.createWriteStream({
          resumable,
          validation: false,
          contentType: p.contentType,
          metadata: {
            contentType: p.contentType,
            ...(p.labels ? { metadata: p.labels } : {}),
            // A resumable session announces the size, so GCS refuses an upload that falls short.
            ...(resumable ? { contentLength: p.sizeBytes } : {}),
          },
        }),
        { signal: p.signal },
      );
    },
    async stat(objectName: string, signal: AbortSignal): Promise<StoredObject | null> {
      try {
        const [metadata] = await abortable(
          bucket().then((b) => b.file(objectName).getMetadata()),
          signal,
        );
        return {
          uri: `gs://${options.bucket}/${objectName}`,
          sizeBytes: Number(metadata.size ?? 0),
          ...(metadata.md5Hash ? { md5: metadata.md5Hash } : {}),
          ...(metadata.crc32c ? { crc32c: metadata.crc32c } : {}),
        };
      } catch (err) {
        if (statusOf(err) === 404) return null;
        throw err;
      }
    },
  };
}
