import { join } from "node:path";
import type { TaskStore } from "@holdfast/core";
import { openStore } from "@holdfast/db";
import { onCleanup, tempDir } from "./helpers.js";

/** A real SQLite store in a fresh file, migrated, closed after the test. */
export async function openTestStore(): Promise<TaskStore & { url: string }> {
  const dir = await tempDir("holdfast-store-");
  const url = join(dir, "holdfast.sqlite");
  const store = await openStore({ url });
  await store.migrate();
  onCleanup(() => store.close());
  return Object.assign(store, { url });
}

/** Adds a row so journal entries have a task to belong to. */
export async function addTask(
  store: TaskStore,
  sourceId: string,
  data: Record<string, unknown> = { path: `${sourceId}.mp4` },
): Promise<number> {
  const { id } = await store.taskAdd({ sourceId, data, now: new Date() });
  return id;
}
