import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const pkg = fileURLToPath(new URL("..", import.meta.url));
const drizzleKit = join(pkg, "node_modules", ".bin", "drizzle-kit");
// drizzle-kit resolves --out relative to the working directory; keep the copy inside the package.
const scratch = mkdtempSync(join(pkg, ".drift-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("committed migrations match the schema", () => {
  it.each([
    ["sqlite", "sqlite", "src/schema/sqlite.ts"],
    ["postgresql", "pg", "src/schema/pg.ts"],
  ])("%s: drizzle-kit generate finds nothing to migrate", async (dialect, folder, schema) => {
    const out = join(scratch, folder);
    cpSync(join(pkg, "drizzle", folder), out, { recursive: true });
    const { stdout } = await run(
      drizzleKit,
      ["generate", "--dialect", dialect, "--schema", schema, "--out", relative(pkg, out)],
      { cwd: pkg },
    );
    // A schema change without a committed migration would make drizzle-kit write one here.
    expect(stdout).toContain("No schema changes");
  });
});
