import { existsSync } from "node:fs";
import { dirname } from "node:path";
import type { TaskStore } from "@holdfast/core";
import { videoStageMachine } from "@holdfast/core";
import { CliError, DatabaseUnreachableError } from "../errors.js";
import { EXIT } from "../exit-codes.js";
import { type DatabaseTarget, scrub } from "./database-url.js";

export interface OpenDatabaseOptions {
  /**
   * `migrate` (and `demo`) may create a SQLite file; every other command refuses to, so a
   * typo in --db is an error instead of a new, empty database that reports "all fine".
   */
  create?: boolean;
}

/**
 * Opens the store and makes one round trip, so an unreachable server, a wrong password or a
 * missing file fails here with a message that names the place (never the password) and the
 * exit code EXIT.databaseUnreachable, instead of somewhere in the middle of a command.
 */
export async function openDatabase(
  target: DatabaseTarget,
  options: OpenDatabaseOptions = {},
): Promise<TaskStore> {
  if (target.dialect === "sqlite" && target.url !== ":memory:") {
    if (!options.create && !existsSync(target.url)) {
      throw new CliError(
        `no database at ${target.location}: run \`holdfast migrate\` to create it, or pass --db / DATABASE_URL`,
        EXIT.databaseUnreachable,
      );
    }
    if (!existsSync(dirname(target.url))) {
      throw new DatabaseUnreachableError(
        target.location,
        `the directory ${dirname(target.url)} does not exist`,
      );
    }
  }
  const { openStore } = await import("@holdfast/db");
  let store: TaskStore;
  try {
    store = await openStore({ url: target.url, machine: videoStageMachine, ...postgresSchema(target) });
  } catch (err) {
    throw new DatabaseUnreachableError(target.location, reason(err, target));
  }
  try {
    await store.ping();
  } catch (err) {
    await store.close().catch(() => {});
    throw new DatabaseUnreachableError(target.location, reason(err, target));
  }
  return store;
}

function postgresSchema(target: DatabaseTarget): { postgresSchema?: string } {
  return target.schema ? { postgresSchema: target.schema } : {};
}

/** The driver's own words, minus anything secret; a bare code (ECONNREFUSED) is kept as is. */
export function reason(err: unknown, target: DatabaseTarget): string {
  const e = err as { message?: string; code?: string } | undefined;
  const text = (e?.message || e?.code || String(err))
    // @holdfast/db says where too; the CLI's message already names the place once.
    .replace(/^cannot (connect to PostgreSQL at|open SQLite database) \S+: /, "");
  return scrub(text, target);
}

/**
 * Driver errors that mean "no holdfast tables here", so the user is told to migrate instead
 * of being shown SQL.
 */
export function isMissingSchema(err: unknown): boolean {
  const e = err as { message?: string; code?: string } | undefined;
  return e?.code === "42P01" || /no such table/i.test(e?.message ?? "");
}
