import type { IncomingMessage, Server, ServerResponse } from "node:http";

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(text);
}

export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(
    res,
    status,
    { error: { code: status, message, status: statusName(status), errors: [{ message }] } },
    headers,
  );
}

function statusName(status: number): string {
  if (status === 429) return "RESOURCE_EXHAUSTED";
  if (status === 404) return "NOT_FOUND";
  if (status === 400) return "INVALID_ARGUMENT";
  if (status === 401) return "UNAUTHENTICATED";
  if (status === 403) return "PERMISSION_DENIED";
  if (status === 503) return "UNAVAILABLE";
  return "INTERNAL";
}

/** Ends the connection without an answer: what a client sees when a response is lost. */
export function dropConnection(req: IncomingMessage): void {
  req.socket.destroy();
}

export function listen(server: Server, port: number, host: string): Promise<number> {
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

/** A queue of faults, each applied to the next `times` matching requests. */
export class FaultQueue<F extends { op?: string }> {
  #queue: Array<{ fault: F; left: number }> = [];

  add(fault: F, times = 1): void {
    this.#queue.push({ fault, left: times });
  }

  /** Takes the first fault for this operation (faults without `op` match every operation). */
  take(op: string): F | undefined {
    const index = this.#queue.findIndex((q) => q.fault.op === undefined || q.fault.op === op);
    if (index < 0) return undefined;
    const item = this.#queue[index] as { fault: F; left: number };
    item.left--;
    if (item.left <= 0) this.#queue.splice(index, 1);
    return item.fault;
  }

  clear(): void {
    this.#queue = [];
  }

  get pending(): number {
    return this.#queue.length;
  }
}

/** Resolves waiters when a counter reaches a value: tests wait for calls, not for time. */
export class CallCounter {
  #count = 0;
  #waiters: Array<{ n: number; resolve: () => void }> = [];

  get count(): number {
    return this.#count;
  }

  increment(): number {
    this.#count++;
    this.#waiters = this.#waiters.filter((w) => {
      if (this.#count >= w.n) w.resolve();
      return this.#count < w.n;
    });
    return this.#count;
  }

  reached(n: number): Promise<void> {
    if (this.#count >= n) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ n, resolve }));
  }

  reset(): void {
    this.#count = 0;
  }
}

/**
 * The control routes every emulator serves under /_emulator/ (stats, reset, faults), so a
 * test or the chaos driver can steer an emulator running as its own process.
 */
export async function serveEmulatorControl<F extends { op?: string }>(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  control: { stats(): Record<string, unknown>; reset(): void; faults: FaultQueue<F> },
): Promise<void> {
  if (path === "/_emulator/stats") return sendJson(res, 200, control.stats());
  if (path === "/_emulator/reset" && req.method === "POST") {
    control.reset();
    return sendJson(res, 200, { ok: true });
  }
  if (path === "/_emulator/faults" && req.method === "POST") {
    const { fault, times } = JSON.parse((await readBody(req)).toString()) as { fault: F; times?: number };
    control.faults.add(fault, times ?? 1);
    return sendJson(res, 200, { ok: true });
  }
  return sendError(res, 404, `no emulator route ${path}`);
}
