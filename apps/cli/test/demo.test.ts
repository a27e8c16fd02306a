import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Holdfast } from "./helpers/holdfast-process.js";
import { cleanEnv } from "./helpers/workspace.js";

describe("holdfast demo", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("tells the whole story and ends with health OK", async () => {
    const parent = await mkdtemp(join(tmpdir(), "holdfast-demo-"));
    dirs.push(parent);
    const demo = new Holdfast(["demo", "--dir", join(parent, "demo")], {
      cwd: parent,
      env: cleanEnv(),
    });
    const exit = await demo.finished;
    expect(exit.code, demo.transcript()).toBe(0);
    for (const step of [
      /sending SIGTERM while video #\d+ is being analysed/,
      /received SIGTERM: stopping after the current work/,
      /✓ exit code 0/,
      /SIGKILL while video #\d+ is in processing/,
      /1 stuck row/,
      /recovered 1 row: 1 released/,
      /✓ 6 of 6 videos analysed/,
      /holdfast health: OK/,
    ]) {
      expect(exit.stdout).toMatch(step);
    }
  });

  it("refuses a directory it did not make, deleting nothing", async () => {
    const parent = await mkdtemp(join(tmpdir(), "holdfast-demo-"));
    dirs.push(parent);
    await writeFile(join(parent, "precious.txt"), "keep me");
    const r = await new Holdfast(["demo", "--dir", parent], { cwd: parent, env: cleanEnv() }).finished;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/was not made by `holdfast demo`/);
    expect(await readFile(join(parent, "precious.txt"), "utf8")).toBe("keep me");
  });
});
