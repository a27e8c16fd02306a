import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
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

export type GeminiFault =
  /** Count the call, then close the connection without answering: charged, answer lost. */
  | { op?: "generate"; kind: "drop" }
  /** Answer with this HTTP status (and Retry-After, when given). */
  | { op?: "generate"; kind: "status"; status: number; retryAfterSeconds?: number; message?: string }
  /** HTTP 200 whose body is not JSON at all (cut off mid-way). */
  | { op?: "generate"; kind: "malformed-body" }
  /** A well-formed answer whose model text is not JSON. */
  | { op?: "generate"; kind: "malformed-json" }
  /** A well-formed answer whose JSON misses the schema's fields. */
  | { op?: "generate"; kind: "wrong-schema" }
  /** Never answer (until the client gives up and closes the connection). */
  | { op?: "generate"; kind: "hang" };

export interface GeminiRequestRecord {
  model: string;
  /** The x-goog-api-key header as received (the emulator is the only place a test may see a key). */
  apiKey: string | null;
  body: GenerateContentBody;
}

interface GenerateContentBody {
  contents?: Array<{
    parts?: Array<{
      text?: string;
      fileData?: { fileUri?: string };
      inlineData?: { mimeType?: string; data?: string };
    }>;
  }>;
  generationConfig?: Record<string, unknown>;
}

export interface GeminiEmulatorOptions {
  port?: number;
  host?: string;
  /** When set, a request with another key gets Gemini's 400 API_KEY_INVALID. */
  apiKey?: string;
  /** Builds the model's JSON answer; the default derives one from the request. */
  answer?: (request: GeminiRequestRecord) => unknown;
}

export interface GeminiEmulator {
  /** Pass as `httpOptions.baseUrl` to `new GoogleGenAI()` (or GEMINI_BASE_URL). */
  readonly url: string;
  readonly port: number;
  /** generateContent calls received, counted before any fault applies: each one is "paid". */
  readonly calls: number;
  readonly counter: CallCounter;
  readonly requests: ReadonlyArray<GeminiRequestRecord>;
  inject(fault: GeminiFault, times?: number): void;
  reset(): void;
  close(): Promise<void>;
}

/** The default answer: a valid analysis that names the video it was asked about. */
export function defaultGeminiAnswer(request: GeminiRequestRecord): unknown {
  const parts = request.body.contents?.flatMap((c) => c.parts ?? []) ?? [];
  const video = parts.find((p) => p.fileData || p.inlineData);
  const source = video?.fileData?.fileUri ?? `inline ${video?.inlineData?.mimeType ?? "data"}`;
  return {
    shortSummary: `Emulated analysis of ${source}.`,
    summary: `The Gemini emulator (${request.model}) answered for ${source}; no model looked at the video.`,
    topics: ["emulated", "test-pattern"],
    moments: [
      { atSeconds: 0, label: "start", description: "The video begins." },
      { atSeconds: 0.5, label: "middle", description: "Half way through." },
    ],
  };
}

function envelope(text: string, model: string) {
  return {
    candidates: [{ content: { role: "model", parts: [{ text }] }, finishReason: "STOP", index: 0 }],
    usageMetadata: { promptTokenCount: 300, candidatesTokenCount: 80, totalTokenCount: 380 },
    modelVersion: model,
    responseId: `emulated-${Date.now().toString(36)}`,
  };
}

/**
 * A small HTTP server that speaks Gemini's `models/{model}:generateContent` (Developer API
 * paths `/{version}/models/…`, and Vertex paths `…/publishers/google/models/…`) the way
 * @google/genai calls it. It counts every call — a call is what costs money — before
 * applying a fault: a dropped connection, an HTTP status with Retry-After, a body that is
 * not JSON, model text that is not JSON or misses the schema, or no answer at all.
 * Control it in process, or over HTTP when it runs as its own process (serve-gemini):
 * POST /_emulator/faults {"fault":{…},"times":n}, GET /_emulator/stats, POST /_emulator/reset.
 */
export async function startGeminiEmulator(options: GeminiEmulatorOptions = {}): Promise<GeminiEmulator> {
  const host = options.host ?? "127.0.0.1";
  const faults = new FaultQueue<GeminiFault>();
  const counter = new CallCounter();
  const requests: GeminiRequestRecord[] = [];
  const answer = options.answer ?? defaultGeminiAnswer;
  let baseUrl = "";

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", baseUrl);
    const path = url.pathname;
    const method = req.method ?? "GET";

    if (path.startsWith("/_emulator/")) {
      return serveEmulatorControl(req, res, path, {
        stats: () => ({ calls: counter.count, pendingFaults: faults.pending }),
        reset: () => emulator.reset(),
        faults,
      });
    }

    const match = /\/models\/([^/:]+):generateContent$/.exec(path);
    if (!match || method !== "POST")
      return sendError(res, 404, `the Gemini emulator does not serve ${method} ${path}`);
    const model = decodeURIComponent(match[1] as string);
    const raw = await readBody(req);
    const apiKeyHeader = req.headers["x-goog-api-key"];
    const record: GeminiRequestRecord = {
      model,
      apiKey: typeof apiKeyHeader === "string" ? apiKeyHeader : null,
      body: JSON.parse(raw.toString() || "{}") as GenerateContentBody,
    };
    requests.push(record);
    counter.increment();

    if (options.apiKey !== undefined && record.apiKey !== options.apiKey) {
      return sendJson(res, 400, {
        error: {
          code: 400,
          message: "API key not valid. Please pass a valid API key.",
          status: "INVALID_ARGUMENT",
          details: [{ reason: "API_KEY_INVALID" }],
        },
      });
    }
    const fault = faults.take("generate");
    switch (fault?.kind) {
      case "drop":
        return dropConnection(req);
      case "hang":
        return; // the socket stays open until the client aborts
      case "status": {
        const headers: Record<string, string> =
          fault.retryAfterSeconds !== undefined ? { "retry-after": String(fault.retryAfterSeconds) } : {};
        return sendError(res, fault.status, fault.message ?? `injected fault: HTTP ${fault.status}`, headers);
      }
      case "malformed-body": {
        const text = JSON.stringify(envelope(JSON.stringify(answer(record)), model));
        res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
        return void res.end(text.slice(0, Math.floor(text.length / 2)));
      }
      case "malformed-json":
        return sendJson(res, 200, envelope('{"shortSummary": "cut off', model));
      case "wrong-schema":
        return sendJson(
          res,
          200,
          envelope(JSON.stringify({ summary: "no short summary, no topics" }), model),
        );
      default:
        return sendJson(res, 200, envelope(JSON.stringify(answer(record)), model));
    }
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

  const emulator: GeminiEmulator = {
    url: baseUrl,
    port,
    get calls() {
      return counter.count;
    },
    counter,
    requests,
    inject: (fault, times = 1) => faults.add(fault, times),
    reset() {
      faults.clear();
      counter.reset();
      requests.length = 0;
    },
    close: () => closeServer(server),
  };
  return emulator;
}
