import { createRequire } from "node:module";
import { join } from "node:path";
import pg from "pg";

/** Milliseconds since the epoch from either dialect's timestamp (Date, number or text). */
export function toMs(value) {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  return Date.parse(value);
}

export function toJson(value) {
  if (value === null || value === undefined) return null;
  return typeof value === "string" ? JSON.parse(value) : value;
}

/**
 * Raw read access for the driver's checks. Queries are written with $1, $2… (Postgres);
 * for SQLite they become ?, in order.
 */
export async function openChaosDb({ dialect, root, sqliteFile, pgUrl, pgSchema }) {
  if (dialect === "postgres") {
    const pool = new pg.Pool({
      connectionString: pgUrl,
      max: 2,
      connectionTimeoutMillis: 5_000,
      options: `-c search_path=${pgSchema}`,
    });
    pool.on("error", () => {}); // a server restart: the next query reconnects
    return {
      dialect,
      async query(sql, params = []) {
        return (await pool.query(sql, params)).rows;
      },
      close: () => pool.end(),
    };
  }
  // better-sqlite3 is @holdfast/db's dependency: resolve it from there (no new dependency).
  const require = createRequire(join(root, "packages/db/package.json"));
  const Database = require("better-sqlite3");
  const db = new Database(sqliteFile, { fileMustExist: true });
  db.pragma("busy_timeout = 10000");
  return {
    dialect,
    async query(sql, params = []) {
      const text = sql.replace(/\$\d+/g, "?").replace(/::\w+/g, "");
      return db.prepare(text).all(...params.map((p) => (typeof p === "boolean" ? (p ? 1 : 0) : p)));
    },
    async close() {
      db.close();
    },
  };
}

/** Drops and re-creates nothing: the stores create their schema on migrate. */
export async function dropPgSchema(pgUrl, schema) {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
