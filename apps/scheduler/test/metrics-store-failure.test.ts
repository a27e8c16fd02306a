import type { AddressInfo } from "node:net";
import { silentLogger, type TaskStore } from "@holdfast/core";
import { afterEach, describe, expect, it } from "vitest";
import { closeServer, createHttpServer, listen } from "../src/http-server.js";
import { createSchedulerMetrics } from "../src/metrics.js";
import { sqlite, type TestDatabase } from "./helpers/test-database.js";

describe("/metrics when the store cannot be read", () => {
  let db: TestDatabase;
  let store: TaskStore;
  afterEach(() => db.drop());

  it("answers 200 with holdfast_store_up 0, and the server keeps serving", async () => {
    db = await sqlite.create();
    store = await db.open();
    const metrics = createSchedulerMetrics({ store, legacyTimeoutMs: 3_600_000, logger: silentLogger });
    const server = createHttpServer({ metrics, isStopping: () => false, logger: silentLogger });
    const port = await listen(server, "127.0.0.1", 0);
    expect(port).toBe((server.address() as AddressInfo).port);
    try {
      const healthy = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(healthy).toContain("holdfast_store_up 1");

      // A real store that fails every read: closed under the server's feet.
      await store.close();
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain("holdfast_store_up 0");
      expect(text).toContain("holdfast_store_read_errors_total 1");
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    } finally {
      await closeServer(server);
    }
  });
});
