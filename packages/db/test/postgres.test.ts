import { type TaskStore, videoStageMachine } from "@holdfast/core";
import pg from "pg";
import { afterAll, beforeAll, describe } from "vitest";
import { openStore } from "../src/index.js";
import { exerciseTaskStore } from "./conformance/index.js";
import { postgresAvailable, TEST_PG_URL } from "./postgres-available.js";

const available = await postgresAvailable();
const schemas: string[] = [];
const opened: TaskStore[] = [];
const started = Date.now();
const prefix = `hf_test_${process.pid}_${started.toString(36)}`;
// Every connection of this run (stores, child processes) carries the prefix as its
// application_name, so afterAll can end the ones a failed test left open.
const runUrl = (() => {
  const u = new URL(TEST_PG_URL);
  u.searchParams.set("application_name", prefix);
  return u.toString();
})();

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  if (!available) return;
  // A run that was killed never reached its afterAll: drop test schemas over an hour old
  // (the name carries its run's start time), never a running suite's.
  await admin(async (c) => {
    const r = await c.query<{ nspname: string }>(
      String.raw`SELECT nspname FROM pg_namespace WHERE nspname ~ '^hf_test_\d+_[0-9a-z]+_\d+$'`,
    );
    for (const { nspname } of r.rows) {
      const born = Number.parseInt(nspname.split("_")[3] ?? "", 36);
      if (born < started - 3_600_000) await c.query(`DROP SCHEMA IF EXISTS ${nspname} CASCADE`);
    }
  });
});

afterAll(async () => {
  // A store left with a transaction open (a failed test) would make close() wait forever
  // and DROP SCHEMA wait on its locks: bound the close, then end this run's sessions.
  await Promise.race([
    Promise.allSettled(opened.map((s) => s.close())),
    new Promise((r) => setTimeout(r, 5_000).unref()),
  ]);
  if (!available || schemas.length === 0) return;
  await admin(async (c) => {
    await c.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()",
      [prefix],
    );
    for (const schema of schemas) await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
});

describe.skipIf(!available)("PostgreSQL TaskStore", () => {
  exerciseTaskStore({
    dialect: "postgres",
    async fresh(options = {}) {
      const schema = `${prefix}_${schemas.length}`;
      schemas.push(schema);
      const open = async () => {
        const store = await openStore({
          url: runUrl,
          postgresSchema: schema,
          ...(options.machine ? { machine: options.machine } : {}),
        });
        opened.push(store);
        return store;
      };
      const store = await open();
      if (options.migrate !== false) await store.migrate();
      return {
        store,
        url: runUrl,
        postgresSchema: schema,
        openAnother: open,
        async insertLegacyRow(p) {
          const client = new pg.Client({
            connectionString: TEST_PG_URL,
            options: `-c search_path=${schema}`,
          });
          await client.connect();
          try {
            const r = await client.query(
              `INSERT INTO videos (source_id, stage, ready, data, attempts, created_at, updated_at)
               VALUES ($1, $2, $3, '{}', 0, $4, $4) RETURNING id`,
              [
                p.sourceId,
                p.stage,
                (options.machine ?? videoStageMachine).isReady(p.stage as never),
                p.updatedAt,
              ],
            );
            return Number(r.rows[0].id);
          } finally {
            await client.end();
          }
        },
      };
    },
  });
});
