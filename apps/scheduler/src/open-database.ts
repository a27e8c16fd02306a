import { existsSync } from "node:fs";
import { type TaskStore, videoStageMachine } from "@holdfast/core";
import { openStore, parseStoreUrl, redactUrl } from "@holdfast/db";
import type { SchedulerConfig } from "./config/load-config.js";
import { SCHEDULER_EXIT, StartupError } from "./exit-codes.js";

/** Where the database is, safe to print: the password and secret query values removed. */
export function databaseDisplay(url: string): string {
  const kind = parseStoreUrl(url);
  return kind.dialect === "postgres" ? redactUrl(kind.url) : `sqlite ${kind.path}`;
}

function scrub(text: string, url: string): string {
  let password = "";
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    // A file path: nothing secret.
  }
  const withoutUrl = text.split(url).join(redactUrl(url));
  return password ? withoutUrl.split(password).join("***") : withoutUrl;
}

/**
 * Opens the store and makes one round trip, so a wrong URL or password fails at start with a
 * message that names the place (never the password). A SQLite file that does not exist is
 * refused, as the CLI does: `holdfast migrate` creates it, and a typo must not silently start
 * a scheduler on a new, empty database that reports "all fine".
 */
export async function openDatabase(config: SchedulerConfig): Promise<TaskStore> {
  const url = config.databaseUrl;
  const where = databaseDisplay(url);
  const kind = parseStoreUrl(url);
  if (kind.dialect === "sqlite" && kind.path !== ":memory:" && !existsSync(kind.path)) {
    throw new StartupError(
      `no database at ${kind.path}: run \`holdfast migrate\` to create it, or set DATABASE_URL`,
      SCHEDULER_EXIT.databaseUnreachable,
    );
  }
  let store: TaskStore;
  try {
    store = await openStore({
      url,
      machine: videoStageMachine,
      ...(config.postgresSchema ? { postgresSchema: config.postgresSchema } : {}),
    });
  } catch (err) {
    throw new StartupError(
      `cannot open ${where}: ${scrub((err as Error).message, url)}`,
      SCHEDULER_EXIT.databaseUnreachable,
    );
  }
  try {
    await store.ping();
    // A database that was never migrated answers pings; a cheap read proves the tables exist.
    await store.lockGet("scheduler:ping");
  } catch (err) {
    await store.close().catch(() => {});
    const msg = scrub((err as Error).message || String((err as { code?: string }).code), url);
    const hint = /no such table|does not exist|42P01/i.test(msg) ? " (run `holdfast migrate` first)" : "";
    throw new StartupError(`cannot use ${where}: ${msg}${hint}`, SCHEDULER_EXIT.databaseUnreachable);
  }
  return store;
}
