import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, realpath, rename, rm, stat } from "node:fs/promises";
import { basename, isAbsolute, join, relative, sep } from "node:path";
import { CliError } from "../errors.js";

export interface CheckedFile {
  /** As the user typed it: what messages show. */
  given: string;
  realPath: string;
  sizeBytes: number;
  sha256: string;
}

/**
 * Checks that every named file exists and is a regular file, and hashes each, before anything
 * is copied or registered: one bad name changes nothing at all.
 */
export async function checkFiles(files: string[]): Promise<CheckedFile[]> {
  const out: CheckedFile[] = [];
  for (const given of files) {
    let real: string;
    try {
      real = await realpath(given);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new CliError(
        code === "ENOENT" ? `no such file: ${given}` : `cannot read ${given}: ${code ?? String(err)}`,
      );
    }
    const s = await stat(real);
    if (!s.isFile()) throw new CliError(`not a regular file: ${given}`);
    out.push({ given, realPath: real, sizeBytes: s.size, sha256: await sha256OfFile(real) });
  }
  return out;
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export interface Placed {
  /** Relative to the inbox: what the row's `data.path` records. */
  path: string;
  /** true when this call copied the file (so it can be removed again if the row already existed). */
  copied: boolean;
  absolutePath: string;
}

/**
 * Puts a video where the pipeline reads it. The pipeline deletes its inbox copy once the
 * upload is verified, so a file from elsewhere is COPIED in (the user's original is never
 * deleted); a file already inside the inbox is referenced where it is. The copy's name starts
 * with the content hash, so two different files with the same name never collide, and it is
 * written under a temporary name first: a crash mid-copy never leaves a truncated video
 * under the name a row points to.
 */
export async function placeInInbox(file: CheckedFile, inboxDir: string, sourceId: string): Promise<Placed> {
  await mkdir(inboxDir, { recursive: true });
  const inboxReal = await realpath(inboxDir);
  const rel = relative(inboxReal, file.realPath);
  if (rel && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel)) {
    return { path: rel, copied: false, absolutePath: file.realPath };
  }
  // Each row owns its copy (the pipeline deletes it after the upload): the same content
  // registered under two source ids gets two copies.
  const owner =
    sourceId === file.sha256
      ? file.sha256
      : createHash("sha256").update(`${sourceId}\0${file.sha256}`).digest("hex");
  const name = `${owner.slice(0, 16)}-${basename(file.realPath)}`;
  const dest = join(inboxReal, name);
  const existing = await stat(dest).catch(() => null);
  if (existing?.isFile() && existing.size === file.sizeBytes) {
    return { path: name, copied: false, absolutePath: dest };
  }
  const tmp = join(inboxReal, `.${name}.${process.pid}.partial`);
  try {
    await copyFile(file.realPath, tmp);
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return { path: name, copied: true, absolutePath: dest };
}
