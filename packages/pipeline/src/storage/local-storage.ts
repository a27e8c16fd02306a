import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, isAbsolute, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import { ConfigError } from "@holdfast/core";
import type { ObjectStorage, PutObjectParams, StoredObject } from "./object-storage.js";

export interface LocalStorageOptions {
  /** The directory objects are kept in (created when missing). */
  dir: string;
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

/**
 * Object storage in a local directory: the embedded default, for demos and single-host
 * installs. A put copies to a temporary name and renames, so a reader never sees half a
 * file; `stat` reads the stored copy back and reports its MD5, so the upload step verifies
 * what is really on disk, exactly as it does for GCS.
 */
export function createLocalStorage(options: LocalStorageOptions): ObjectStorage {
  const root = resolve(options.dir);
  const pathFor = (objectName: string) => {
    const target = resolve(root, objectName);
    if (isAbsolute(objectName) || !target.startsWith(root + sep)) {
      throw new ConfigError(`object name ${JSON.stringify(objectName)} leads outside the storage directory`);
    }
    return target;
  };
  return {
    kind: "local",
    uriFor: (objectName) => pathToFileURL(pathFor(objectName)).href,
    async put(p: PutObjectParams): Promise<void> {
      const target = pathFor(p.objectName);
      await mkdir(dirname(target), { recursive: true });
      const temporary = `${target}.partial-${randomBytes(4).toString("hex")}`;
      try {
        await pipeline(createReadStream(p.localPath), createWriteStream(temporary, { flush: true }), {
          signal: p.signal,
        });
        await rename(temporary, target);
      } catch (err) {
        await rm(temporary, { force: true });
        throw err;
      }
    },
    async stat(objectName: string, signal: AbortSignal): Promise<StoredObject | null> {
      const target = pathFor(objectName);
      let sizeBytes: number;
      try {
        sizeBytes = (await stat(target)).size;
      } catch (err) {
        if (isMissing(err)) return null;
        throw err;
      }
      const md5 = createHash("md5");
      for await (const chunk of createReadStream(target, { signal })) md5.update(chunk as Buffer);
      return { uri: pathToFileURL(target).href, sizeBytes, md5: md5.digest("base64") };
    },
  };
}
