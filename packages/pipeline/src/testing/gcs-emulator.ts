import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { CRC32C } from "@google-cloud/storage";
import {
  CallCounter,
  closeServer,
  dropConnection,
  FaultQueue,
  listen,
  readBody,
  sendError,
  sendJson,
  serveEmulatorControl,
} from "./http-helpers.js";

/**
 * The operations the emulator counts and can fail: a finished upload (multipart, or the
 * last PUT of a resumable session), the start of a resumable session, an object metadata
 * GET, a DELETE.
 */
export type GcsOperation = "upload" | "resumable-start" | "metadata" | "delete";

export type GcsFault =
  /** Count the request, then close the connection without answering (the upload is kept). */
  | { op?: GcsOperation; kind: "drop" }
  /** Answer with this HTTP status (and Retry-After, when given). */
  | { op?: GcsOperation; kind: "status"; status: number; retryAfterSeconds?: number }
  /** Store the upload with one byte flipped: the checksums it reports are not the client's. */
  | { op?: "upload"; kind: "corrupt" };

export interface StoredGcsObject {
  bucket: string;
  name: string;
  data: Buffer;
  contentType: string;
  metadata: Record<string, string>;
  generation: number;
  created: Date;
}

export interface GcsEmulatorOptions {
  port?: number;
  host?: string;
  /** Report objects without md5Hash, as GCS does for composite objects (crc32c only). */
  omitMd5?: boolean;
}

export interface GcsEmulator {
  /** Pass as `apiEndpoint` to `new Storage()` (or GCS_API_ENDPOINT). */
  readonly url: string;
  readonly port: number;
  readonly calls: Readonly<Record<GcsOperation, number>>;
  /** Every operation, counted before any fault applies. */
  readonly counter: CallCounter;
  inject(fault: GcsFault, times?: number): void;
  object(bucket: string, name: string): StoredGcsObject | undefined;
  objects(): StoredGcsObject[];
  reset(): void;
  close(): Promise<void>;
}

function objectResource(o: StoredGcsObject, omitMd5: boolean) {
  const crc = new CRC32C();
  crc.update(o.data);
  return {
    kind: "storage#object",
    id: `${o.bucket}/${o.name}/${o.generation}`,
    selfLink: `/storage/v1/b/${o.bucket}/o/${encodeURIComponent(o.name)}`,
    name: o.name,
    bucket: o.bucket,
    generation: String(o.generation),
    metageneration: "1",
    contentType: o.contentType,
    size: String(o.data.length),
    ...(omitMd5 ? {} : { md5Hash: createHash("md5").update(o.data).digest("base64") }),
    crc32c: crc.toString(),
    storageClass: "STANDARD",
    timeCreated: o.created.toISOString(),
    updated: o.created.toISOString(),
    ...(Object.keys(o.metadata).length > 0 ? { metadata: o.metadata } : {}),
  };
}

/** Splits a multipart/related body into its parts' bodies (headers dropped). */
function multipartParts(body: Buffer, contentType: string): Buffer[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new Error("multipart body without a boundary");
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const part = body.subarray(start + delimiter.length, next);
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd >= 0) {
      let content = part.subarray(headerEnd + 4);
      if (content.subarray(-2).toString() === "\r\n") content = content.subarray(0, -2);
      parts.push(content);
    }
    start = next;
  }
  return parts;
}

/**
 * A small HTTP server that speaks the part of the GCS JSON API that @google-cloud/storage
 * uses for a verified upload: multipart upload, resumable upload (session start, PUT with
 * Content-Range, status query), object metadata GET and DELETE. It counts every call and
 * can inject faults: a dropped connection after counting, an HTTP status with Retry-After,
 * or a corrupted upload whose reported checksums do not match. Control it in process, or
 * over HTTP when it runs as its own process (serve-gcs): POST /_emulator/faults
 * {"fault":{…},"times":n}, GET /_emulator/stats, POST /_emulator/reset.
 */
export async function startGcsEmulator(options: GcsEmulatorOptions = {}): Promise<GcsEmulator> {
  const host = options.host ?? "127.0.0.1";
  const omitMd5 = options.omitMd5 ?? false;
  const store = new Map<string, StoredGcsObject>();
  const sessions = new Map<
    string,
    { bucket: string; name: string; contentType: string; metadata: Record<string, string>; data: Buffer }
  >();
  const faults = new FaultQueue<GcsFault>();
  const counter = new CallCounter();
  const calls: Record<GcsOperation, number> = { upload: 0, "resumable-start": 0, metadata: 0, delete: 0 };
  let generation = 1;
  let baseUrl = "";

  const count = (op: GcsOperation) => {
    calls[op]++;
    counter.increment();
  };

  /** Applies a drop/status fault; returns true when the request was answered by it. */
  const applyFault = (
    op: GcsOperation,
    req: IncomingMessage,
    res: ServerResponse,
  ): GcsFault | "handled" | undefined => {
    const fault = faults.take(op);
    if (!fault) return undefined;
    if (fault.kind === "drop") {
      dropConnection(req);
      return "handled";
    }
    if (fault.kind === "status") {
      const headers: Record<string, string> =
        fault.retryAfterSeconds !== undefined ? { "retry-after": String(fault.retryAfterSeconds) } : {};
      sendError(res, fault.status, `injected fault: HTTP ${fault.status}`, headers);
      return "handled";
    }
    return fault;
  };

  const save = (
    bucket: string,
    name: string,
    data: Buffer,
    contentType: string,
    metadata: Record<string, string>,
    fault: GcsFault | undefined,
  ): StoredGcsObject => {
    let stored = data;
    if (fault?.kind === "corrupt" && data.length > 0) {
      stored = Buffer.from(data);
      stored[stored.length - 1] = (stored[stored.length - 1] as number) ^ 0xff;
    }
    const object: StoredGcsObject = {
      bucket,
      name,
      data: stored,
      contentType,
      metadata,
      generation: generation++,
      created: new Date(),
    };
    store.set(`${bucket}/${name}`, object);
    return object;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", baseUrl);
    const path = url.pathname;
    const method = req.method ?? "GET";

    if (path.startsWith("/_emulator/")) {
      return serveEmulatorControl(req, res, path, {
        stats: () => ({ calls, objects: store.size, pendingFaults: faults.pending }),
        reset: () => emulator.reset(),
        faults,
      });
    }

    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(path);
    if (upload) {
      const bucket = decodeURIComponent(upload[1] as string);
      const uploadType = url.searchParams.get("uploadType");
      if (method === "POST" && uploadType === "multipart") {
        const body = await readBody(req);
        count("upload");
        const fault = applyFault("upload", req, res);
        if (fault === "handled") return;
        const parts = multipartParts(body, req.headers["content-type"] ?? "");
        const resource = JSON.parse(parts[0]?.toString() || "{}") as {
          name?: string;
          contentType?: string;
          metadata?: Record<string, string>;
        };
        const name = url.searchParams.get("name") ?? resource.name;
        if (!name) return sendError(res, 400, "an object name is required");
        const object = save(
          bucket,
          name,
          parts[1] ?? Buffer.alloc(0),
          resource.contentType ?? "application/octet-stream",
          resource.metadata ?? {},
          fault,
        );
        return sendJson(res, 200, objectResource(object, omitMd5));
      }
      if (method === "POST" && uploadType === "resumable") {
        const body = await readBody(req);
        count("resumable-start");
        if (applyFault("resumable-start", req, res) === "handled") return;
        const resource = JSON.parse(body.toString() || "{}") as {
          name?: string;
          contentType?: string;
          metadata?: Record<string, string>;
        };
        const name = url.searchParams.get("name") ?? resource.name;
        if (!name) return sendError(res, 400, "an object name is required");
        const id = randomBytes(8).toString("hex");
        sessions.set(id, {
          bucket,
          name,
          contentType:
            resource.contentType ??
            (req.headers["x-upload-content-type"] as string | undefined) ??
            "application/octet-stream",
          metadata: resource.metadata ?? {},
          data: Buffer.alloc(0),
        });
        res.writeHead(200, {
          location: `${baseUrl}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&upload_id=${id}`,
        });
        return void res.end();
      }
      if (method === "PUT" && uploadType === "resumable") {
        const id = url.searchParams.get("upload_id") ?? "";
        const session = sessions.get(id);
        const body = await readBody(req);
        if (!session) return sendError(res, 404, `no upload session ${id}`);
        // "bytes A-B/T", "bytes A-*/T", "bytes */T" or "bytes */*" (a status query).
        const range = /^bytes (?:(\d+)-(\d+|\*)|\*)\/(\d+|\*)$/.exec(
          String(req.headers["content-range"] ?? ""),
        );
        if (!range) return sendError(res, 400, "missing or invalid Content-Range");
        const first = range[1] === undefined ? undefined : Number(range[1]);
        // "A-*/*": the rest of the object is in this request (one-request upload of a stream).
        const total =
          range[3] !== "*"
            ? Number(range[3])
            : range[2] === "*"
              ? first !== undefined
                ? first + body.length
                : undefined
              : undefined;
        if (first !== undefined && body.length > 0) {
          if (first > session.data.length)
            return sendError(res, 400, "Content-Range starts past the received bytes");
          session.data = Buffer.concat([session.data.subarray(0, first), body]);
        }
        if (total !== undefined && session.data.length >= total) {
          count("upload");
          const fault = applyFault("upload", req, res);
          if (fault === "handled") return;
          sessions.delete(id);
          const object = save(
            session.bucket,
            session.name,
            session.data.subarray(0, total),
            session.contentType,
            session.metadata,
            fault,
          );
          return sendJson(res, 200, objectResource(object, omitMd5));
        }
        const headers: Record<string, string> =
          session.data.length > 0 ? { range: `bytes=0-${session.data.length - 1}` } : {};
        res.writeHead(308, headers);
        return void res.end();
      }
      return sendError(res, 400, `unsupported upload: ${method} uploadType=${uploadType}`);
    }

    const object = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(path);
    if (object) {
      const key = `${decodeURIComponent(object[1] as string)}/${decodeURIComponent(object[2] as string)}`;
      await readBody(req);
      if (method === "GET") {
        count("metadata");
        if (applyFault("metadata", req, res) === "handled") return;
        const found = store.get(key);
        if (!found) return sendError(res, 404, `No such object: ${key}`);
        if (url.searchParams.get("alt") === "media") {
          res.writeHead(200, { "content-type": found.contentType });
          return void res.end(found.data);
        }
        return sendJson(res, 200, objectResource(found, omitMd5));
      }
      if (method === "DELETE") {
        count("delete");
        if (applyFault("delete", req, res) === "handled") return;
        if (!store.delete(key)) return sendError(res, 404, `No such object: ${key}`);
        res.writeHead(204);
        return void res.end();
      }
    }
    return sendError(res, 404, `the GCS emulator does not serve ${method} ${path}`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        sendError(res, 500, `emulator error: ${err instanceof Error ? err.message : String(err)}`);
      else res.destroy();
    });
  });
  const port = await listen(server, options.port ?? 0, host);
  baseUrl = `http://${host}:${port}`;

  const emulator: GcsEmulator = {
    url: baseUrl,
    port,
    calls,
    counter,
    inject: (fault, times = 1) => faults.add(fault, times),
    object: (bucket, name) => store.get(`${bucket}/${name}`),
    objects: () => [...store.values()],
    reset() {
      store.clear();
      sessions.clear();
      faults.clear();
      counter.reset();
      for (const op of Object.keys(calls) as GcsOperation[]) calls[op] = 0;
    },
    close: () => closeServer(server),
  };
  return emulator;
}
