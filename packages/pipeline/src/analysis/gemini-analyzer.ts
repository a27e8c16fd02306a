// The one file that imports @google/genai: the rest of the pipeline knows only the Analyzer port.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { GoogleGenAI, Part } from "@google/genai";
import { ConfigError, PermanentError } from "@holdfast/core";
import { PIPELINE_DEFAULTS } from "../defaults.js";
import { MalformedResponseError, ProviderCallError } from "../errors.js";
import { runPaidCall } from "../journal/paid-call.js";
import { Secret, scrubSecrets } from "../secret.js";
import {
  type Analysis,
  type AnalysisInput,
  type AnalysisOutput,
  AnalysisSchema,
  type AnalyzeContext,
  type Analyzer,
} from "./analyzer.js";
import { analysisJsonSchema, analysisPrompt } from "./prompt.js";
import { requestHash } from "./request-hash.js";
import { isRetryableStatus, parseRetryAfter, type RetryPolicy } from "./retry-policy.js";

export interface GeminiAnalyzerOptions {
  /** Gemini Developer API key. Either this or `vertex`. */
  apiKey?: Secret | string;
  /** Vertex AI (Application Default Credentials) instead of an API key. */
  vertex?: { project: string; location: string };
  model?: string;
  /** Another endpoint (an emulator or a proxy); the SDK appends `/{apiVersion}/models/…`. */
  baseUrl?: string;
  apiVersion?: string;
  policy?: Partial<RetryPolicy>;
  /** Videos not in GCS (local storage) are sent inline up to this size. */
  inlineMaxBytes?: number;
  /** Injected in tests to observe the backoff; must honour the signal. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
}

const PROVIDER = "gemini";

/**
 * Node's fetch (undici) ends a request whose headers take longer than 300 s. The SDK lifts
 * that limit with a per-request dispatcher, but only when it uses its own fetch, and this
 * adapter passes its own (to save the raw answer before the SDK parses it). So it does the
 * same, and the only time limit left is the pipeline's callTimeoutMs.
 */
function noTimeoutDispatcher(): unknown {
  const key = Symbol.for("undici.globalDispatcher.1");
  const globals = globalThis as unknown as Record<
    symbol,
    { dispatch?: (o: object, h: unknown) => boolean } | undefined
  >;
  if (!globals[key]) new Headers(); // Node creates its dispatcher lazily
  const dispatcher = globals[key];
  if (!dispatcher?.dispatch) return undefined;
  return {
    dispatch: (opts: object, handler: unknown) =>
      dispatcher.dispatch?.({ ...opts, headersTimeout: 0, bodyTimeout: 0 }, handler),
  };
}

/** Reads the model's text out of a raw generateContent answer; the same code for fresh and journaled answers. */
export function parseGeminiAnswer(raw: string): Analysis {
  let body: {
    candidates?: Array<{
      content?: { parts?: Array<{ text?: string; thought?: boolean }> };
      finishReason?: string;
    }>;
    promptFeedback?: { blockReason?: string };
  };
  try {
    body = JSON.parse(raw);
  } catch {
    throw new MalformedResponseError(PROVIDER, `the response body is not JSON (${raw.length} bytes)`);
  }
  if (body.promptFeedback?.blockReason) {
    throw new MalformedResponseError(PROVIDER, `the request was blocked: ${body.promptFeedback.blockReason}`);
  }
  const candidate = body.candidates?.[0];
  const text = (candidate?.content?.parts ?? [])
    .filter((part) => typeof part.text === "string" && !part.thought)
    .map((part) => part.text)
    .join("");
  if (!text) {
    throw new MalformedResponseError(
      PROVIDER,
      `no text in the answer (finishReason ${candidate?.finishReason ?? "none"})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new MalformedResponseError(
      PROVIDER,
      `the model's text is not JSON (finishReason ${candidate?.finishReason ?? "none"}): ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
  const parsed = AnalysisSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MalformedResponseError(
      PROVIDER,
      `the JSON does not fit the schema at ${issue?.path.join(".") || "(root)"}: ${issue?.message}`,
    );
  }
  return parsed.data;
}

function httpErrorMessage(status: number, body: string): string {
  let detail = body;
  try {
    const parsed = JSON.parse(body) as { error?: { message?: string; status?: string } };
    if (parsed.error?.message) detail = `${parsed.error.status ?? ""} ${parsed.error.message}`.trim();
  } catch {}
  return `HTTP ${status}${detail ? `: ${detail.slice(0, 300)}` : ""}`;
}

/**
 * Video analysis by Gemini through @google/genai, with structured JSON output (the
 * analysis schema as response schema), every call journaled by runPaidCall, the SDK's own
 * retries off (each retry is a paid call that needs its own journal entry), and the raw
 * answer saved by a fetch wrapper before the SDK parses it.
 */
export function createGeminiAnalyzer(options: GeminiAnalyzerOptions): Analyzer {
  const apiKey = typeof options.apiKey === "string" ? new Secret(options.apiKey) : options.apiKey;
  if (!apiKey && !options.vertex) {
    throw new ConfigError(
      "gemini analyzer: set an API key (GEMINI_API_KEY) or a Vertex AI project and location",
    );
  }
  const model = options.model ?? PIPELINE_DEFAULTS.geminiModel;
  const policy: RetryPolicy = {
    maxCalls: PIPELINE_DEFAULTS.geminiMaxCalls,
    maxMalformed: PIPELINE_DEFAULTS.geminiMaxMalformed,
    callTimeoutMs: PIPELINE_DEFAULTS.geminiCallTimeoutMs,
    baseDelayMs: PIPELINE_DEFAULTS.retryBaseDelayMs,
    maxDelayMs: PIPELINE_DEFAULTS.retryMaxDelayMs,
    retryAfterMaxMs: PIPELINE_DEFAULTS.retryAfterMaxMs,
    ...options.policy,
  };
  const inlineMaxBytes = options.inlineMaxBytes ?? PIPELINE_DEFAULTS.geminiInlineMaxBytes;
  const httpOptions = {
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    ...(options.apiVersion ? { apiVersion: options.apiVersion } : {}),
  };
  // The SDK takes ~0.2 s to import: load it on first use, so a process that only reads the
  // configuration (or analyzes offline) never pays for it.
  let client: Promise<GoogleGenAI> | undefined;
  const ai = () =>
    (client ??= import("@google/genai").then(({ GoogleGenAI }) =>
      options.vertex
        ? new GoogleGenAI({
            vertexai: true,
            project: options.vertex.project,
            location: options.vertex.location,
            httpOptions,
          })
        : new GoogleGenAI({ apiKey: apiKey?.reveal(), httpOptions }),
    ));
  const scrub = (message: string) => scrubSecrets(message, [apiKey]);

  async function videoPart(input: AnalysisInput): Promise<Part> {
    const { objectUri, metadata } = input;
    if (objectUri.startsWith("gs://") || objectUri.startsWith("https://")) {
      return { fileData: { fileUri: objectUri, mimeType: metadata.mimeType } };
    }
    if (objectUri.startsWith("file://")) {
      if (metadata.sizeBytes > inlineMaxBytes) {
        throw new PermanentError(
          `gemini: ${objectUri} is ${metadata.sizeBytes} bytes, too large to send inline (limit ${inlineMaxBytes}); use GCS storage`,
        );
      }
      const data = await readFile(fileURLToPath(objectUri));
      return { inlineData: { data: data.toString("base64"), mimeType: metadata.mimeType } };
    }
    throw new PermanentError(`gemini: cannot send a video stored at ${objectUri}`);
  }

  return {
    provider: PROVIDER,
    model,
    async analyze(input: AnalysisInput, context: AnalyzeContext): Promise<AnalysisOutput> {
      const config = {
        responseMimeType: "application/json",
        responseJsonSchema: analysisJsonSchema(),
        temperature: 0.2,
      };
      // Loaded before any journal entry: a call that was never sent must not look possibly charged.
      const genai = await ai();
      const prompt = analysisPrompt(input.metadata);
      const hash = requestHash({
        provider: PROVIDER,
        model,
        video: { uri: input.objectUri, sha256: input.metadata.sha256, mimeType: input.metadata.mimeType },
        prompt,
        config,
      });
      let parts: Part[] | undefined;

      const result = await runPaidCall({
        store: context.store,
        taskId: input.taskId,
        provider: PROVIDER,
        model,
        requestHash: hash,
        signal: context.signal,
        logger: context.logger,
        now: context.now,
        policy,
        parse: parseGeminiAnswer,
        ...(options.sleep ? { sleep: options.sleep } : {}),
        ...(options.random ? { random: options.random } : {}),
        async send(attempt) {
          parts ??= [await videoPart(input), { text: prompt }];
          let answered: string | undefined;
          let failure: { status: number; retryAfter: string | null; body: string } | undefined;
          const fetchAndRecord = async (
            url: string | URL | Request,
            init?: RequestInit,
          ): Promise<Response> => {
            const dispatcher = noTimeoutDispatcher();
            const response = await fetch(url, dispatcher ? ({ ...init, dispatcher } as RequestInit) : init);
            const text = await response.text();
            if (response.ok) {
              await attempt.record(text);
              answered = text;
            } else {
              failure = {
                status: response.status,
                retryAfter: response.headers.get("retry-after"),
                body: text,
              };
            }
            return new Response(text, {
              status: response.status,
              statusText: response.statusText,
              headers: response.headers,
            });
          };
          try {
            await genai.models.generateContent({
              model,
              contents: [{ role: "user", parts }],
              config: { ...config, abortSignal: attempt.signal, httpOptions: { fetch: fetchAndRecord } },
            });
          } catch (err) {
            // The answer is saved: whatever the SDK thought of it, the runner parses it.
            if (answered !== undefined) return answered;
            if (failure) {
              throw new ProviderCallError(
                PROVIDER,
                scrub(httpErrorMessage(failure.status, failure.body)),
                failure.status,
                isRetryableStatus(failure.status),
                parseRetryAfter(failure.retryAfter, context.now()),
                // A 400 refuses this request (say, a video the model cannot read); a bad
                // API key is also a 400 from Gemini, but fixing it makes every row work.
                failure.status === 400 && !/api[ _-]?key/i.test(failure.body),
              );
            }
            if (err instanceof Error)
              throw new Error(
                scrub(`${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ""}`),
              );
            throw err;
          }
          if (answered === undefined) throw new Error("gemini: the SDK returned without an answer");
          return answered;
        },
      });
      return {
        analysis: result.value,
        provider: PROVIDER,
        model,
        offline: false,
        journalId: result.journalId,
        reused: result.reused,
        calls: result.calls,
      };
    },
  };
}
