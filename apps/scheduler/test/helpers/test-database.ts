import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type TaskStore, videoStageMachine } from "@holdfast/core";
import { openStore } from "@holdfast/db";

export const PG_URL = process.env.HOLDFAST_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface TestDatabase {
  /** The environment a scheduler process needs to use this database. */
  env: Record<string, string>;
  /** A store on the same database, for arranging rows and reading results. */
  open(): Promise<TaskStore>;
  drop(): Promise<void>;
}

export interface Dialect {
  name: "sqlite" | "postgres";
  create(): Promise<TestDatabase>;
}

async function migrated(url: string, postgresSchema?: string): Promise<void> {
  const store = await openStore({
    url,
    machine: videoStageMachine,
    ...(postgresSchema ? { postgresSchema } : {}),
  });
  try {
    await store.migrate();
  } finally {
    await store.close();
  }
}

export const sqlite: Dialect = {
  name: "sqlite",
  async create() {
    const dir = await mkdtemp(join(tmpdir(), "holdfast-scheduler-db-"));
    const url = join(dir, "holdfast.db");
    await migrated(url);
    return {
      env: { DATABASE_URL: url },
      open: () => openStore({ url, machine: videoStageMachine }),
      drop: () => rm(dir, { recursive: true, force: true }),
    };
  },
};

/**
 * pg is @holdfast/db's dependency, not the scheduler's: it is loaded from there to drop the
 * test schemas (the TaskStore port has no DROP, rightly).
 */
interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
}
function loadPg(): { Client: new (options: { connectionString: string }) => PgClient } {
  const dbEntry = fileURLToPath(import.meta.resolve("@holdfast/db"));
  return createRequire(dbEntry)("pg");
}

/** Each test gets its own schema (openStore's postgresSchema), dropped afterwards. */
export const postgres: Dialect = {
  name: "postgres",
  async create() {
    const schema = `hf_sched_${randomBytes(5).toString("hex")}`;
    await migrated(PG_URL, schema);
    return {
      env: { DATABASE_URL: PG_URL, HOLDFAST_POSTGRES_SCHEMA: schema },
      open: () => openStore({ url: PG_URL, machine: videoStageMachine, postgresSchema: schema }),
      async drop() {
        const pg = loadPg();
        const client = new pg.Client({ connectionString: PG_URL });
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } finally {
          await client.end();
        }
      },
    };
  },
};

/**
 * Whether the Postgres half can run: skipped visibly when no server answers locally, a
 * failure under CI=true (a missing server there is a broken pipeline, not a reason to pass).
 */
export async function postgresUnavailable(): Promise<string | null> {
  const u = new URL(PG_URL);
  const ok = await new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: u.hostname, port: Number(u.port || 5432) });
    socket.setTimeout(2_000);
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
  if (ok) return null;
  const why = `no PostgreSQL reachable at ${u.host} (set HOLDFAST_TEST_PG_URL)`;
  if (process.env.CI === "true") throw new Error(`${why}; CI=true: the Postgres tests must run`);
  console.warn(`\n  ⚠ SKIPPING the scheduler's PostgreSQL tests: ${why}\n`);
  return why;
}
