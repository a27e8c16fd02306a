import { type TaskStore, videoStageMachine } from "@holdfast/core";
import pg from "pg";
import { afterAll, describe } from "vitest";
import { openStore } from "../src/index.js";
import { exerciseTaskStore } from "./conformance/index.js";
import { postgresAvailable, TEST_PG_URL } from "./postgres-available.js";

const available = await postgresAvailable();
const schemas: string[] = [];
const opened: TaskStore[] = [];
const prefix = `hf_test_${process.pid}_${Date.now().toString(36)}`;

afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
  if (!available || schemas.length === 0) return;
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
});

describe.skipIf(!available)("PostgreSQL TaskStore", () => {
  exerciseTaskStore({
    dialect: "postgres",
    async fresh(options = {}) {
      const schema = `${prefix}_${schemas.length}`;
      schemas.push(schema);
      const open = async () => {
        const store = await openStore({
          url: TEST_PG_URL,
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
        url: TEST_PG_URL,
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
