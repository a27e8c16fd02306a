import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "@holdfast/core";
import { afterEach } from "vitest";

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "fixtures");

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Registers something to undo after the current test. */
export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(async () => {
    await fn();
  });
}

/** A fresh directory removed after the test. */
export async function tempDir(prefix = "holdfast-pipeline-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A temp dir with inbox/ and storage/ subdirectories, fixtures copied into the inbox. */
export async function workspace(
  fixtures: string[] = [],
): Promise<{ root: string; inbox: string; storage: string }> {
  const root = await tempDir();
  const inbox = join(root, "inbox");
  const storage = join(root, "storage");
  await mkdir(inbox);
  await mkdir(storage);
  for (const name of fixtures) await copyFile(fixture(name), join(inbox, name));
  return { root, inbox, storage };
}

/** A logger that keeps what was logged, so tests can check that no secret was. */
export function memoryLogger(): Logger & { lines: Array<{ level: string; obj: object; msg?: string }> } {
  const lines: Array<{ level: string; obj: object; msg?: string }> = [];
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj, ...(msg !== undefined ? { msg } : {}) });
    };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

export function neverAborted(): AbortSignal {
  return new AbortController().signal;
}
