import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Holdfast } from "./helpers/holdfast-process.js";
import { cleanEnv, describeEachDialect } from "./helpers/workspace.js";

const COMMANDS = [
  ["migrate"],
  ["videos", "add"],
  ["analyze"],
  ["recover"],
  ["analysis:recover"],
  ["health"],
  ["check"],
  ["drain"],
  ["list"],
  ["show"],
  ["schedule"],
  ["demo"],
];

// Usage errors are found before any database is opened: one run covers both dialects.
describe("usage errors", () => {
  const run = (args: string[]) => new Holdfast(args, { cwd: tmpdir(), env: cleanEnv() }).finished;

  it("every command has --help", async () => {
    const results = await Promise.all(COMMANDS.map((command) => run([...command, "--help"])));
    results.forEach((r, i) => {
      const command = (COMMANDS[i] as string[]).join(" ");
      expect(r.code, command).toBe(0);
      expect(r.stdout).toContain(`$ holdfast ${command}`);
    });
  });

  it("an unknown option or a bad number exits 1 with clipanion's usage error, without colours under NO_COLOR", async () => {
    const unknown = await run(["analyze", "--bogus"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toMatch(/Unknown Syntax Error/);
    expect(unknown.stdout).not.toContain("\x1b[");

    const bad = [
      ["analyze", "--concurrency=abc"],
      ["analyze", "--concurrency=0"],
      ["analyze", "--lease-ttl=-1"],
      ["analyze", "--grace=soon"],
      ["recover", "--max-attempts=1.5"],
      ["list", "--stage=done"],
      ["schedule", "--port=70000"],
    ];
    const results = await Promise.all(bad.map(run));
    results.forEach((r, i) => {
      const [command, arg] = bad[i] as [string, string];
      expect(r.code, arg).toBe(1);
      expect(r.stdout).toContain(`Invalid value for ${arg.split("=")[0]}`);
      expect(r.stdout).toContain(`$ holdfast ${command}`);
    });
    const show = await run(["show", "x"]);
    expect(show.code).toBe(1);
    expect(show.stdout).toContain("Invalid value for id");
  });
});

await describeEachDialect("bad input", (ws, dialect) => {
  it("a missing file exits 1, names it, and adds nothing (not even the good files)", async () => {
    const w = ws();
    const [good] = await w.samples();
    await w.setup();
    const r = await w.run(["videos", "add", good as string, "missing.mp4"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no such file: missing\.mp4/);
    expect(await w.json(["list"])).toEqual([]);
  });

  it("adding the same video twice is a no-op that says so", async () => {
    const w = ws();
    const [good] = await w.samples();
    await w.setup([good as string]);
    const again = await w.run(["videos", "add", good as string]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already registered: nothing changed/);
    expect(await w.json<unknown[]>(["list"])).toHaveLength(1);
  });

  it("an unreachable database exits 69 with a message that names where, never the password", async () => {
    const w = ws();
    const url =
      dialect.name === "postgres"
        ? "postgres://holdfast:hunter2-secret@127.0.0.1:1/holdfast"
        : join(w.dir, "missing-dir", "x.db");
    const r = await w.run(["list", "--db", url]);
    expect(r.code).toBe(69);
    expect(r.stderr).toMatch(/cannot reach the database|no database at/);
    expect(r.stderr).toContain(dialect.name === "postgres" ? "holdfast@127.0.0.1:1/holdfast" : "missing-dir");
    expect(`${r.stdout}${r.stderr}`).not.toContain("hunter2");
  });

  it("a database without holdfast's tables says to run migrate", async () => {
    const w = ws();
    // The workspace's database exists (Postgres: its schema) but was never migrated.
    if (dialect.name === "sqlite") {
      const r = await w.run(["list"]);
      expect(r.code).toBe(69);
      expect(r.stderr).toMatch(/run `holdfast migrate`/);
    } else {
      const r = await w.run(["list"]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/holdfast migrate/);
    }
  });
});
