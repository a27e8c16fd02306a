import { createServer, type Server } from "node:http";
import type { Logger } from "@holdfast/core";
import type { SchedulerMetrics } from "./metrics.js";

/**
 * /healthz: 200 while the process serves at all (liveness).
 * /readyz: 200 until the stop begins, then 503, so a load balancer or Kubernetes stops
 * routing here while running jobs finish.
 * /metrics: the scheduler's own registry, the row gauges read from the store first. A failed
 * read is reported in the metrics (holdfast_store_up 0), never as a crash.
 */
export function createHttpServer(options: {
  metrics: SchedulerMetrics;
  isStopping(): boolean;
  logger: Logger;
}): Server {
  const { metrics, logger } = options;
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const reply = (status: number, body: string, type = "text/plain; charset=utf-8") => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return reply(405, "method not allowed\n");
    if (path === "/healthz") return reply(200, "ok\n");
    if (path === "/readyz") return options.isStopping() ? reply(503, "stopping\n") : reply(200, "ready\n");
    if (path === "/metrics") {
      void metrics
        .refresh()
        .then(() => metrics.registry.metrics())
        .then(
          (text) => reply(200, text, metrics.registry.contentType),
          (err) => {
            logger.error({ err: (err as Error).message }, "metrics: could not render");
            reply(500, "metrics unavailable\n");
          },
        );
      return;
    }
    reply(404, "not found: try /healthz, /readyz or /metrics\n");
  });
  // Probes must not keep a stopping process alive.
  server.keepAliveTimeout = 5_000;
  return server;
}

/** Listens and resolves with the bound port (0 asks the OS for a free one). */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
