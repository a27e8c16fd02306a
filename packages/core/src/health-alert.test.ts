import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { HEALTH_STATUS, type HealthReport } from "./health.js";
import { alertMessage, postAlert, webhookHost } from "./health-alert.js";

const report: HealthReport = {
  status: HEALTH_STATUS.CRITICAL,
  statusName: "CRITICAL",
  at: new Date(0),
  checks: [
    { name: "database", status: HEALTH_STATUS.OK, value: null, message: "postgres reachable" },
    { name: "stuck", status: HEALTH_STATUS.CRITICAL, value: 12, message: "12 stuck row(s)" },
  ],
};

describe("health alerts", () => {
  it("lists only the checks that are not OK, Slack-style", () => {
    expect(alertMessage(report, "prod")).toEqual({
      text: "holdfast health CRITICAL (prod)\n• stuck: 12 stuck row(s)",
    });
  });

  it("names a webhook by scheme and host only: its path is the secret", () => {
    expect(webhookHost("https://hooks.slack.com/services/T000/B000/XXXXSECRET")).toBe(
      "https://hooks.slack.com",
    );
    expect(webhookHost("not a url")).toBe("(invalid URL)");
  });

  it("posts the JSON, and an error names the host, never the token", async () => {
    const bodies: string[] = [];
    let status = 200;
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        bodies.push(body);
        res.writeHead(status).end("echo /services/SECRET");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/SECRET`;
    try {
      await postAlert(url, alertMessage(report, "prod"), { timeoutMs: 5_000 });
      expect(JSON.parse(bodies[0] as string)).toEqual(alertMessage(report, "prod"));
      status = 500;
      const err = await postAlert(url, { text: "x" }, { timeoutMs: 5_000 }).catch((e: Error) => e);
      expect((err as Error).message).toMatch(/answered HTTP 500/);
      expect((err as Error).message).not.toContain("SECRET");
    } finally {
      server.close();
    }
  });
});
