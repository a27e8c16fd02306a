import { expect, it } from "vitest";
import { BIN } from "./helpers/holdfast-process.js";
import { describeEachDialect, type Workspace } from "./helpers/workspace.js";

interface Row {
  stage: string;
}

/**
 * Runs `holdfast recover` on a real pseudo-terminal: util-linux `script` gives the CLI a TTY
 * as stdin and stdout and types `answer` into it.
 */
function recoverOnTerminal(w: Workspace, answer: string) {
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} recover`;
  return w.runProgram("script", ["-qec", command, "/dev/null"], `${answer}\n`);
}

async function stuckRow(w: Workspace): Promise<void> {
  await w.setup((await w.samples()).slice(0, 1));
  const worker = w.start(["analyze", "--lease-ttl", "1", "--offline-latency", "60000"]);
  await worker.waitFor(/#1 metadata_extracting → processing/);
  worker.kill("SIGKILL");
  await worker.finished;
  while ((await w.json<{ found: unknown[] }>(["recover", "--dry-run"])).found.length === 0);
}

await describeEachDialect("recover on a terminal", (ws) => {
  it("asks; anything but yes changes nothing and exits 2, yes recovers", async () => {
    const w = ws();
    await stuckRow(w);

    const no = await recoverOnTerminal(w, "n");
    expect(no.code, no.stdout).toBe(2);
    expect(no.stdout).toMatch(/Recover 1 row .*\? \[y\/N\]/);
    expect(no.stdout).toMatch(/not confirmed: nothing was changed/);
    expect(await w.json<Row>(["show", "1"])).toMatchObject({ stage: "processing" });

    const yes = await recoverOnTerminal(w, "y");
    expect(yes.code, yes.stdout).toBe(0);
    expect(yes.stdout).toMatch(/recovered 1 row: 1 released/);
    expect(await w.json<Row>(["show", "1"])).toMatchObject({ stage: "metadata_extracting" });
  });
});
