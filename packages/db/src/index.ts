export { migrationsFolder } from "./migrations-folder.js";
export { type OpenStoreOptions, openStore, parseStoreUrl, type StoreKind } from "./open-store.js";
export { createPostgresStore, type PostgresStoreOptions } from "./postgres/postgres-store.js";
export { redactUrl } from "./redact-url.js";
export { createSqliteStore, type SqliteStoreOptions } from "./sqlite/sqlite-store.js";
