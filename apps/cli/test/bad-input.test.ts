import { join } from "node:path";
import { expect, it } from "vitest";
import { describeEachDialect } from "./helpers/workspace.js";

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
  ["demo"],
];

await describeEachDialect("bad input", (ws, dialect) => {
  it("every command has --help", async () => {
    const w = ws();
    for (const command of COMMANDS) {
      const r = await w.run([...command, "--help"]);
      expect(r.code, command.join(" ")).toBe(0);
      expect(r.stdout).toContain(`$ holdfast ${command.join(" ")}`);
    }
  });

  it("an unknown option or a bad number exits 1 with clipanion's usage error, without colours under NO_COLOR", async () => {
    const w = ws();
    await w.setup();
    const unknown = await w.run(["analyze", "--bogus"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toMatch(/Unknown Syntax Error/);
    expect(unknown.stdout).not.toContain("\x1b[");

    for (const [option, value] of [
      ["--concurrency", "abc"],
      ["--concurrency", "0"],
      ["--lease-ttl", "-1"],
      ["--grace", "soon"],
    ]) {
      const r = await w.run(["analyze", `${option}=${value}`]);
      expect(r.code, `${option} ${value}`).toBe(1);
      expect(r.stdout).toContain(`Invalid value for ${option}`);
    }
    const show = await w.run(["show", "x"]);
    expect(show.code).toBe(1);
    expect(show.stdout).toContain("Invalid value for id");
  });

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
