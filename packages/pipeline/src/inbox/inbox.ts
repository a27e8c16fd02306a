import { realpathSync, type Stats, statSync } from "node:fs";
import { lstat, realpath, stat, unlink } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { ConfigError } from "@holdfast/core";
import { InboxEscapeError, InvalidVideoError } from "../errors.js";

/** A file that was found inside the inbox, with the identity it had when it was checked. */
export interface InboxFile {
  /** The path as the row records it: what messages show. */
  readonly path: string;
  /** Symlinks resolved; always inside the inbox's real path. */
  readonly realPath: string;
  readonly stats: Stats;
}

function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/**
 * The configured inbox directory: the only place a path from the database may point to.
 * Every path is checked twice: as written (no `..`, no absolute path elsewhere) and after
 * symlinks are resolved (no link that leads out). Deletion re-checks the file's identity
 * right before unlinking, so a file swapped in since the check is not deleted.
 */
export class Inbox {
  private constructor(
    /** As configured, made absolute. */
    readonly dir: string,
    /** Symlinks resolved. */
    readonly realDir: string,
  ) {}

  /** Opens the inbox; throws ConfigError when it is missing or not a directory. */
  static open(dir: string): Inbox {
    const absolute = resolve(dir);
    let real: string;
    try {
      real = realpathSync(absolute);
    } catch (err) {
      throw new ConfigError(
        `inbox directory ${absolute} cannot be opened: ${(err as NodeJS.ErrnoException).code ?? err}`,
      );
    }
    if (!statSync(real).isDirectory()) throw new ConfigError(`inbox ${absolute} is not a directory`);
    return new Inbox(absolute, real);
  }

  /**
   * Finds `path` inside the inbox. Returns null when no file is there (it may have been
   * deleted after a verified upload). Throws InboxEscapeError for a path that leads out and
   * InvalidVideoError for something that is not a regular file.
   */
  async find(path: string): Promise<InboxFile | null> {
    if (path.includes("\0")) throw new InboxEscapeError(path, "it contains a NUL byte");
    // A relative path is relative to the inbox; an absolute one must already point into it
    // (through the configured path or the real one).
    const lexicalReal = resolve(this.realDir, path);
    const lexicalConfigured = resolve(this.dir, path);
    if (!isInside(this.realDir, lexicalReal) && !isInside(this.dir, lexicalConfigured)) {
      throw new InboxEscapeError(path, `it resolves to ${lexicalConfigured}, outside the inbox ${this.dir}`);
    }
    let real: string;
    try {
      real = await realpath(isInside(this.dir, lexicalConfigured) ? lexicalConfigured : lexicalReal);
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
    if (!isInside(this.realDir, real)) {
      throw new InboxEscapeError(path, "a symlink leads outside the inbox");
    }
    const stats = await stat(real);
    if (!stats.isFile()) throw new InvalidVideoError(path, "not a regular file");
    return { path, realPath: real, stats };
  }

  /**
   * Deletes a file found by `find`, only if it is still the same file (device, inode, size,
   * modification time) and still inside the inbox. "changed": something else is at that
   * path now, and it is kept; "gone": nothing was there any more.
   */
  async remove(file: InboxFile): Promise<"deleted" | "gone" | "changed"> {
    let now: Stats;
    try {
      // The parent may have been replaced by a symlink since the check.
      if (!isInside(this.realDir, resolve(await realpath(dirname(file.realPath)), "x"))) {
        throw new InboxEscapeError(file.path, "its directory now leads outside the inbox");
      }
      now = await lstat(file.realPath);
    } catch (err) {
      if (isMissing(err)) return "gone";
      throw err;
    }
    const same =
      now.isFile() &&
      now.dev === file.stats.dev &&
      now.ino === file.stats.ino &&
      now.size === file.stats.size &&
      now.mtimeMs === file.stats.mtimeMs;
    if (!same) return "changed";
    try {
      await unlink(file.realPath);
      return "deleted";
    } catch (err) {
      if (isMissing(err)) return "gone";
      throw err;
    }
  }
}
