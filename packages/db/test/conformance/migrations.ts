import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { addTasks, type StoreHarness } from "./harness.js";

const migrator = fileURLToPath(new URL("../fixtures/migrator.mjs", import.meta.url));

export function migrationTests(h: StoreHarness): void {
  describe("migrations", () => {
    it("several processes migrating a new database at once all succeed (a first deploy)", async () => {
      const db = await h.fresh({ migrate: false });
      const codes = await Promise.all(
        Array.from(
          { length: 4 },
          () =>
            new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
              const child = spawn(process.execPath, [migrator], {
                env: { ...process.env, HF_URL: db.url, HF_SCHEMA: db.postgresSchema ?? "" },
                stdio: ["ignore", "ignore", "pipe"],
              });
              let stderr = "";
              child.stderr.on("data", (d: Buffer) => {
                stderr += d.toString();
              });
              child.on("error", reject);
              child.on("exit", (code) => resolve({ code, stderr }));
            }),
        ),
      );
      expect(codes).toEqual(Array.from({ length: 4 }, () => ({ code: 0, stderr: "" })));
      // Idempotent afterwards, and the tables are there.
      await db.store.migrate();
      expect(await addTasks(db.store, 2)).toHaveLength(2);
    });
  });
}
