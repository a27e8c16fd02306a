import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CRC32C } from "@google-cloud/storage";
import { describe, expect, it } from "vitest";
import { ChecksumMismatchError } from "../src/errors.js";
import { uploadVerified } from "../src/handler/upload-step.js";
import { Inbox } from "../src/inbox/inbox.js";
import { extractMetadata } from "../src/metadata/extract-metadata.js";
import { crc32cBase64, crc32cOfFile, crc32cUpdate } from "../src/storage/crc32c.js";
import { createGcsStorage } from "../src/storage/gcs-storage.js";
import { createLocalStorage } from "../src/storage/local-storage.js";
import type { ObjectStorage } from "../src/storage/object-storage.js";
import { startGcsEmulator } from "../src/testing/gcs-emulator.js";
import { fixture, neverAborted, onCleanup, workspace } from "./helpers.js";

async function gcs(options: { resumableThresholdBytes?: number } = {}) {
  const emulator = await startGcsEmulator();
  onCleanup(() => emulator.close());
  const storage = createGcsStorage({
    bucket: "videos-test",
    projectId: "test",
    apiEndpoint: emulator.url,
    ...options,
  });
  return { emulator, storage };
}

async function prepared(name: string) {
  const ws = await workspace([name]);
  const inbox = Inbox.open(ws.inbox);
  const file = await inbox.find(name);
  if (!file) throw new Error("fixture missing");
  const metadata = await extractMetadata(file, { ffprobe: null });
  return { ws, inbox, file, metadata };
}

const options = (storage: ObjectStorage) => ({
  storage,
  objectPrefix: "videos/",
  signal: neverAborted(),
  now: () => new Date("2030-01-01T00:00:00Z"),
});

describe("crc32c", () => {
  it("matches the standard check value and the GCS SDK", async () => {
    expect(crc32cUpdate(0, Buffer.from("123456789"))).toBe(0xe3069283);
    const bytes = await readFile(fixture("tiny-h264-aac.mp4"));
    const sdk = new CRC32C();
    sdk.update(bytes);
    expect(await crc32cOfFile(fixture("tiny-h264-aac.mp4"), undefined, 100)).toBe(sdk.toString());
    expect(crc32cBase64(crc32cUpdate(crc32cUpdate(0, bytes.subarray(0, 10)), bytes.subarray(10)))).toBe(
      sdk.toString(),
    );
  });
});

describe("GCS storage through @google-cloud/storage against the emulator", () => {
  it("uploads small files in one multipart request and verifies the reported MD5", async () => {
    const { emulator, storage } = await gcs();
    const { file, metadata } = await prepared("tiny-h264-aac.mp4");
    const record = await uploadVerified(file, metadata, options(storage));
    expect(record).toMatchObject({
      uri: `gs://videos-test/videos/${metadata.sha256}.mp4`,
      storage: "gcs",
      verifiedBy: "md5",
      checksum: metadata.md5,
      reused: false,
    });
    expect(emulator.calls.upload).toBe(1);
    expect(emulator.calls["resumable-start"]).toBe(0);
    const stored = emulator.object("videos-test", `videos/${metadata.sha256}.mp4`);
    expect(stored?.data.equals(await readFile(file.realPath))).toBe(true);
    expect(stored?.contentType).toBe("video/mp4");
    expect(stored?.metadata).toEqual({ sha256: metadata.sha256 });
  });

  it("uploads above the threshold as a resumable session", async () => {
    const { emulator, storage } = await gcs({ resumableThresholdBytes: 1000 });
    const { file, metadata } = await prepared("tiny-h264-aac.mp4");
    await uploadVerified(file, metadata, options(storage));
    expect(emulator.calls["resumable-start"]).toBe(1);
    expect(emulator.calls.upload).toBe(1);
    expect(emulator.object("videos-test", `videos/${metadata.sha256}.mp4`)?.data.length).toBe(
      metadata.sizeBytes,
    );
  });

  it("skips the upload when a verified copy is already there, and overwrites a bad one", async () => {
    const { emulator, storage } = await gcs();
    const { file, metadata } = await prepared("tiny.mov");
    await uploadVerified(file, metadata, options(storage));
    expect((await uploadVerified(file, metadata, options(storage))).reused).toBe(true);
    expect(emulator.calls.upload).toBe(1);
    expect(emulator.objects()).toHaveLength(1);
  });

  it("reports a checksum mismatch when GCS stored other bytes", async () => {
    const { emulator, storage } = await gcs();
    const { file, metadata } = await prepared("tiny.mov");
    emulator.inject({ op: "upload", kind: "corrupt" });
    const err = await uploadVerified(file, metadata, options(storage)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumMismatchError);
    expect((err as ChecksumMismatchError).field).toBe("md5Hash");
    expect((err as Error).message).toMatch(/local file kept/);
    // The next attempt finds the bad copy, uploads again under the same name, and verifies.
    expect((await uploadVerified(file, metadata, options(storage))).reused).toBe(false);
    expect(emulator.objects()).toHaveLength(1);
  });

  it("fails the attempt when the upload's connection drops", async () => {
    const { emulator, storage } = await gcs();
    const { file, metadata } = await prepared("tiny.mov");
    emulator.inject({ op: "upload", kind: "drop" });
    await expect(uploadVerified(file, metadata, options(storage))).rejects.toThrow();
    expect(emulator.calls.upload).toBe(1);
  });

  it("verifies CRC32C when GCS reports no MD5 (composite objects)", async () => {
    const emulator = await startGcsEmulator({ omitMd5: true });
    onCleanup(() => emulator.close());
    const storage = createGcsStorage({ bucket: "videos-test", apiEndpoint: emulator.url });
    const { file, metadata } = await prepared("tiny.mov");
    const crc = await crc32cOfFile(file.realPath);
    expect(await uploadVerified(file, metadata, options(storage))).toMatchObject({
      verifiedBy: "crc32c",
      checksum: crc,
    });
    emulator.inject({ op: "upload", kind: "corrupt" });
    const other = await prepared("tiny-faststart.mp4");
    const err = await uploadVerified(other.file, other.metadata, options(storage)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumMismatchError);
    expect((err as ChecksumMismatchError).field).toBe("crc32c");
  });

  it("refuses to call an upload verified when the storage reports no checksum at all", async () => {
    const { file, metadata } = await prepared("tiny.mov");
    const silent: ObjectStorage = {
      kind: "no-checksums",
      uriFor: (name) => `mem://${name}`,
      put: async () => {},
      stat: async (name) => ({ uri: `mem://${name}`, sizeBytes: metadata.sizeBytes }),
    };
    await expect(uploadVerified(file, metadata, options(silent))).rejects.toThrow(/reported no checksum/);
  });

  it("stat returns null for a missing object", async () => {
    const { storage } = await gcs();
    expect(await storage.stat("videos/none.mp4", neverAborted())).toBeNull();
  });
});

describe("local storage", () => {
  it("copies, verifies by reading the copy back, and names it by content", async () => {
    const { ws, file, metadata } = await prepared("tiny-faststart.mp4");
    const storage = createLocalStorage({ dir: ws.storage });
    const record = await uploadVerified(file, metadata, options(storage));
    expect(record.uri).toBe(`file://${join(ws.storage, "videos", `${metadata.sha256}.mp4`)}`);
    expect(record.verifiedBy).toBe("md5");
    expect((await readFile(join(ws.storage, "videos", `${metadata.sha256}.mp4`))).length).toBe(
      metadata.sizeBytes,
    );
  });

  it("detects a stored copy that differs", async () => {
    const { ws, file, metadata } = await prepared("tiny-faststart.mp4");
    const storage = createLocalStorage({ dir: ws.storage });
    const corrupting: ObjectStorage = {
      ...storage,
      async put(p) {
        await storage.put(p);
        await writeFile(join(ws.storage, p.objectName), Buffer.alloc(p.sizeBytes));
      },
    };
    await expect(uploadVerified(file, metadata, options(corrupting))).rejects.toBeInstanceOf(
      ChecksumMismatchError,
    );
  });

  it("refuses object names that lead outside its directory", async () => {
    const { ws } = await prepared("tiny.mov");
    expect(() => createLocalStorage({ dir: ws.storage }).uriFor("../x")).toThrow(
      /outside the storage directory/,
    );
  });
});
