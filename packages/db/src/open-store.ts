import { ConfigError, type Logger, type StageMachine, type TaskStore } from "@holdfast/core";
import { createPostgresStore } from "./postgres/postgres-store.js";
import { redactUrl } from "./redact-url.js";
import { createSqliteStore } from "./sqlite/sqlite-store.js";

export interface OpenStoreOptions {
  /**
   * `postgres://…` / `postgresql://…` → PostgreSQL; `sqlite:<path>`, `file:<path>` or a
   * plain path (or `:memory:`) → SQLite.
   */
  url: string;
  machine?: StageMachine;
  logger?: Logger;
  /** PostgreSQL only: keep every table in this schema (created if missing). */
  postgresSchema?: string;
}

export type StoreKind = { dialect: "postgres"; url: string } | { dialect: "sqlite"; path: string };

/** Which driver a URL names, without opening anything. */
export function parseStoreUrl(url: string): StoreKind {
  const trimmed = url.trim();
  if (trimmed === "") throw new ConfigError("database URL is empty");
  if (/^postgres(ql)?:\/\//i.test(trimmed)) return { dialect: "postgres", url: trimmed };
  const sqlite = /^(sqlite|file):(\/\/)?(.*)$/i.exec(trimmed);
  if (sqlite) {
    const path = sqlite[3] ?? "";
    if (path === "") throw new ConfigError(`no SQLite file path in "${redactUrl(trimmed)}"`);
    return { dialect: "sqlite", path };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    throw new ConfigError(
      `unsupported database URL "${redactUrl(trimmed)}": use postgres://… or a SQLite file path`,
    );
  }
  return { dialect: "sqlite", path: trimmed };
}

/** Opens the TaskStore a URL names. Call `migrate()` before first use of a new database. */
export async function openStore(options: OpenStoreOptions): Promise<TaskStore> {
  const kind = parseStoreUrl(options.url);
  if (kind.dialect === "postgres") {
    return createPostgresStore({
      url: kind.url,
      ...(options.machine ? { machine: options.machine } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.postgresSchema ? { schema: options.postgresSchema } : {}),
    });
  }
  return createSqliteStore({
    path: kind.path,
    ...(options.machine ? { machine: options.machine } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
