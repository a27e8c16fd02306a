/**
 * The ObjectStorage port: where verified copies of the videos live. Two adapters: Google
 * Cloud Storage (`createGcsStorage`) and a local directory (`createLocalStorage`, the
 * embedded default). Verification is not the adapter's job: the upload step compares what
 * `stat` reports with the local file's checksums, the same way for every backend.
 */

/** What the storage reports about an object it holds. */
export interface StoredObject {
  uri: string;
  sizeBytes: number;
  /** Base64 MD5, as GCS reports `md5Hash` (absent for composite objects). */
  md5?: string;
  /** Base64 big-endian CRC32C, as GCS reports `crc32c`. */
  crc32c?: string;
}

export interface PutObjectParams {
  localPath: string;
  /** Deterministic (derived from the content's SHA-256): a retry overwrites the same object. */
  objectName: string;
  contentType: string;
  sizeBytes: number;
  /** Stored with the object, for people browsing the bucket. */
  labels?: Record<string, string>;
  signal: AbortSignal;
}

export interface ObjectStorage {
  /** "gcs" or "local": recorded with the upload. */
  readonly kind: string;
  uriFor(objectName: string): string;
  /** Uploads the file under `objectName`, replacing whatever is there. */
  put(params: PutObjectParams): Promise<void>;
  /** What the storage holds under `objectName` now, or null when nothing. */
  stat(objectName: string, signal: AbortSignal): Promise<StoredObject | null>;
}
