import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { expect, it } from "vitest";
import { describeEachDialect } from "./helpers/workspace.js";

await describeEachDialect("health exit codes", (ws, dialect) => {
  it("exits 0 OK, 1 WARNING, 2 CRITICAL as rows fail", async () => {
    const w = ws();
    await w.setup((await w.samples()).slice(0, 1));
    const ok = await w.run(["analyze", "--once"]).then(() => w.run(["health"]));
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/holdfast health: OK/);

    // One file that is not a video fails for good: one failure in the last hour is a WARNING.
    const [bad, ...more] = await w.notVideos(10);
    await w.run(["videos", "add", bad as string]);
    await w.run(["analyze", "--once"]);
    const warning = await w.run(["health"]);
    expect(warning.code, warning.stdout).toBe(1);
    expect(warning.stdout).toMatch(/failed\s+WARNING\s+1/);

    // Ten are CRITICAL.
    await w.run(["videos", "add", ...more]);
    await w.run(["analyze", "--once", "--concurrency", "4"]);
    // --json prints the report and still exits with the status.
    const r = await w.run(["health", "--json"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 2, statusName: "CRITICAL" });
  });

  it("exits 3 UNKNOWN when the database cannot be reached, naming the host but never the password", async () => {
    const w = ws();
    const url =
      dialect.name === "postgres"
        ? "postgres://holdfast:hunter2-secret@127.0.0.1:1/holdfast"
        : join(w.dir, "no-such-dir", "holdfast.db");
    const r = await w.run(["health", "--db", url]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/database\s+UNKNOWN/);
    expect(r.stdout).toMatch(/holdfast health: UNKNOWN/);
    expect(r.stdout).toContain(dialect.name === "postgres" ? "127.0.0.1:1" : "no-such-dir");
    expect(`${r.stdout}${r.stderr}`).not.toContain("hunter2");
  });

  it("posts a Slack-compatible message to --alert-webhook when not OK, and never prints the webhook's path", async () => {
    const w = ws();
    await w.setup();
    await w.run(["videos", "add", ...(await w.notVideos(1))]);
    await w.run(["analyze", "--once"]);

    const received: string[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        received.push(body);
        res.end("ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const r = await w.run([
        "health",
        "--alert-webhook",
        `http://127.0.0.1:${port}/services/T000/B000/XXXXSECRET`,
      ]);
      expect(r.code).toBe(1);
      expect(received).toHaveLength(1);
      const message = JSON.parse(received[0] as string) as { text: string };
      expect(message.text).toMatch(/^holdfast health WARNING/);
      expect(message.text).toMatch(/failed: 1 row\(s\) failed/);
      expect(r.stdout).toMatch(new RegExp(`alert posted to http://127.0.0.1:${port}$`, "m"));
      expect(`${r.stdout}${r.stderr}`).not.toContain("XXXXSECRET");
    } finally {
      server.close();
    }
  });
});
