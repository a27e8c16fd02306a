import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export interface TestDatabase {
  /** What DATABASE_URL / --db receive. */
  url: string;
  drop(): Promise<void>;
}

export interface Dialect {
  name: "sqlite" | "postgres";
  /** null when usable; otherwise why not. */
  unavailable: string | null;
  create(): Promise<TestDatabase>;
}

export const PG_URL = process.env.HOLDFAST_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

function reachable(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: u.hostname, port: Number(u.port || 5432) });
    socket.setTimeout(2000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const sqlite: Dialect = {
  name: "sqlite",
  unavailable: null,
  async create() {
    const dir = await mkdtemp(join(tmpdir(), "holdfast-cli-db-"));
    return { url: join(dir, "holdfast.db"), drop: () => rm(dir, { recursive: true, force: true }) };
  },
};

/**
 * Each test gets its own Postgres schema (passed as `?schema=` in the URL the CLI reads),
 * dropped afterwards: runs never see each other's rows.
 */
async function postgres(): Promise<Dialect> {
  const ok = await reachable(PG_URL);
  const where = new URL(PG_URL);
  where.password = "";
  return {
    name: "postgres",
    unavailable: ok ? null : `no Postgres reachable at ${where.host} (set HOLDFAST_TEST_PG_URL)`,
    async create() {
      const schema = `hf_cli_${randomBytes(5).toString("hex")}`;
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        await client.query(`CREATE SCHEMA ${schema}`);
      } finally {
        await client.end();
      }
      const url = new URL(PG_URL);
      url.searchParams.set("schema", schema);
      return {
        url: url.toString(),
        async drop() {
          const c = new pg.Client({ connectionString: PG_URL });
          await c.connect();
          try {
            await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          } finally {
            await c.end();
          }
        },
      };
    },
  };
}

/** SQLite always; Postgres when reachable. Under CI=true an unreachable Postgres is a failure. */
export async function dialects(): Promise<Dialect[]> {
  return [sqlite, await postgres()];
}
