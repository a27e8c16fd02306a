#!/usr/bin/env node
// A Gemini-shaped slowness in front of the Gemini emulator (which answers at once and has no
// latency option): every request is forwarded AT ONCE (the emulator counts it: that is when a
// call is paid), and the answer is held for a seeded random 100s of ms before it is passed
// on, like a model thinking. A client that goes away meanwhile (SIGKILL, SIGSTOP past its
// lease…) loses an answer that was already paid for: exactly the seed's worst case.
//   node latency-proxy.mjs <target-url>   env: CHAOS_LATENCY_MIN_MS, CHAOS_LATENCY_MAX_MS, CHAOS_SEED
// Prints {"event":"listening","port":N,"url":…}; GET /_chaos/stats gives its counters.
import { createServer, request } from "node:http";
import { createRng } from "./lib/rng.mjs";

const target = new URL(process.argv[2] ?? process.env.CHAOS_PROXY_TARGET ?? "");
const min = Number(process.env.CHAOS_LATENCY_MIN_MS ?? 200);
const max = Number(process.env.CHAOS_LATENCY_MAX_MS ?? 700);
const rng = createRng(`latency:${process.env.CHAOS_SEED ?? 1}`);
const stats = { forwarded: 0, delivered: 0, lostClientGone: 0, upstreamErrors: 0, inFlight: 0 };

const server = createServer((req, res) => {
  if (req.url === "/_chaos/stats") {
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify(stats));
  }
  const chunks = [];
  let clientGone = false;
  res.on("close", () => {
    if (!res.writableFinished) clientGone = true;
  });
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const headers = { ...req.headers, host: target.host, "content-length": String(body.length) };
    delete headers.connection;
    stats.forwarded++;
    stats.inFlight++;
    const up = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (upRes) => {
        const parts = [];
        upRes.on("data", (c) => parts.push(c));
        upRes.on("end", () => {
          setTimeout(
            () => {
              stats.inFlight--;
              if (clientGone || res.destroyed) {
                stats.lostClientGone++;
                return;
              }
              const out = Buffer.concat(parts);
              const h = { ...upRes.headers, "content-length": String(out.length) };
              delete h["transfer-encoding"];
              delete h.connection;
              res.writeHead(upRes.statusCode ?? 502, h);
              res.end(out);
              stats.delivered++;
            },
            rng.between(min, max),
          );
        });
        upRes.on("error", () => {
          stats.inFlight--;
          stats.upstreamErrors++;
          res.destroy();
        });
      },
    );
    up.on("error", () => {
      stats.inFlight--;
      stats.upstreamErrors++;
      res.destroy();
    });
    up.end(body);
  });
});
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const { port } = server.address();
  process.stdout.write(
    `${JSON.stringify({ event: "listening", emulator: "gemini-latency", port, url: `http://127.0.0.1:${port}` })}\n`,
  );
});
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
