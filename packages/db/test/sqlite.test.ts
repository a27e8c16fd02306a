import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TaskStore, videoStageMachine } from "@holdfast/core";
import Database from "better-sqlite3";
import { afterAll, describe } from "vitest";
import { openStore } from "../src/index.js";
import { exerciseTaskStore } from "./conformance/index.js";

const dir = mkdtempSync(join(tmpdir(), "holdfast-sqlite-"));
const opened: TaskStore[] = [];
let n = 0;

afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe("SQLite TaskStore (file, WAL)", () => {
  exerciseTaskStore({
    dialect: "sqlite",
    async fresh(options = {}) {
      const url = join(dir, `t${++n}.db`);
      const open = async () => {
        const store = await openStore({ url, ...(options.machine ? { machine: options.machine } : {}) });
        opened.push(store);
        return store;
      };
      const store = await open();
      if (options.migrate !== false) await store.migrate();
      return {
        store,
        url,
        openAnother: open,
        async insertLegacyRow(p) {
          const db = new Database(url);
          try {
            const r = db
              .prepare(
                "INSERT INTO videos (source_id, stage, ready, data, attempts, created_at, updated_at) VALUES (?, ?, ?, '{}', 0, ?, ?)",
              )
              .run(
                p.sourceId,
                p.stage,
                (options.machine ?? videoStageMachine).isReady(p.stage as never) ? 1 : 0,
                p.updatedAt.getTime(),
                p.updatedAt.getTime(),
              );
            return Number(r.lastInsertRowid);
          } finally {
            db.close();
          }
        },
      };
    },
  });
});
