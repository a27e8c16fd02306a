import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { inspect } from "node:util";
import { ConfigError } from "@holdfast/core";
import { z } from "zod";
import { PIPELINE_DEFAULTS } from "../defaults.js";
import { redactUrl, Secret } from "../secret.js";

export type StorageConfig =
  | { kind: "local"; dir: string }
  | {
      kind: "gcs";
      bucket: string;
      projectId?: string;
      apiEndpoint?: string;
      authWithCustomEndpoint: boolean;
      keyFilename?: string;
      resumableThresholdBytes: number;
    };

export type AnalyzerConfig =
  | { kind: "offline"; latencyMs: number }
  | {
      kind: "gemini";
      apiKey?: Secret;
      vertex?: { project: string; location: string };
      model: string;
      baseUrl?: string;
      callTimeoutMs: number;
      maxCalls: number;
    };

export interface PipelineConfig {
  inboxDir: string;
  objectPrefix: string;
  storage: StorageConfig;
  analyzer: AnalyzerConfig;
  /** ffprobe: a path, null for never, undefined to look on the PATH. */
  ffprobe?: string | null;
}

/** The environment variables loadPipelineConfig reads (the README's table lists the same). */
export const PIPELINE_ENV = Object.freeze({
  configFile: "HOLDFAST_PIPELINE_CONFIG",
  inboxDir: "HOLDFAST_INBOX_DIR",
  storage: "HOLDFAST_STORAGE",
  storageDir: "HOLDFAST_STORAGE_DIR",
  objectPrefix: "HOLDFAST_OBJECT_PREFIX",
  ffprobe: "HOLDFAST_FFPROBE",
  gcsBucket: "GCS_BUCKET",
  gcsApiEndpoint: "GCS_API_ENDPOINT",
  gcsAuthWithCustomEndpoint: "GCS_AUTH_WITH_CUSTOM_ENDPOINT",
  gcsKeyFile: "GCS_KEY_FILE",
  gcsResumableThreshold: "GCS_RESUMABLE_THRESHOLD_BYTES",
  googleCloudProject: "GOOGLE_CLOUD_PROJECT",
  analyzer: "HOLDFAST_ANALYZER",
  offlineLatency: "HOLDFAST_OFFLINE_LATENCY_MS",
  geminiApiKey: "GEMINI_API_KEY",
  geminiModel: "GEMINI_MODEL",
  geminiBaseUrl: "GEMINI_BASE_URL",
  geminiTimeout: "GEMINI_TIMEOUT_MS",
  geminiMaxCalls: "GEMINI_MAX_CALLS",
  useVertex: "GOOGLE_GENAI_USE_VERTEXAI",
  googleCloudLocation: "GOOGLE_CLOUD_LOCATION",
});

const url = z.url({ protocol: /^https?$/ });
const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().nonnegative();

/** The JSON config file; every key optional, the environment overrides it. */
const FileSchema = z.strictObject({
  inboxDir: z.string().min(1).optional(),
  storage: z.enum(["gcs", "local"]).optional(),
  storageDir: z.string().min(1).optional(),
  objectPrefix: z.string().optional(),
  ffprobe: z.union([z.string().min(1), z.literal(false)]).optional(),
  gcs: z
    .strictObject({
      bucket: z.string().min(1).optional(),
      projectId: z.string().min(1).optional(),
      apiEndpoint: url.optional(),
      authWithCustomEndpoint: z.boolean().optional(),
      keyFilename: z.string().min(1).optional(),
      resumableThresholdBytes: positiveInt.optional(),
    })
    .optional(),
  analyzer: z.enum(["gemini", "offline"]).optional(),
  offlineLatencyMs: nonNegativeInt.optional(),
  gemini: z
    .strictObject({
      apiKey: z.string().min(1).optional(),
      model: z.string().min(1).optional(),
      baseUrl: url.optional(),
      vertex: z.strictObject({ project: z.string().min(1), location: z.string().min(1) }).optional(),
      callTimeoutMs: positiveInt.optional(),
      maxCalls: positiveInt.optional(),
    })
    .optional(),
});
type FileConfig = z.infer<typeof FileSchema>;

function describeIssues(error: z.ZodError, source: string): string {
  // Never the values: one of them may be a key.
  return error.issues
    .map((issue) => `${source}${issue.path.length ? ` ${issue.path.join(".")}` : ""}: ${issue.message}`)
    .join("; ");
}

function readConfigFile(path: string): { config: FileConfig; dir: string } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(
      `pipeline config file ${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? err}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`pipeline config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = FileSchema.safeParse(json);
  if (!parsed.success) throw new ConfigError(`pipeline config: ${describeIssues(parsed.error, path)}`);
  return { config: parsed.data, dir: dirname(resolve(path)) };
}

function envValue(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function envParse<T>(
  env: Record<string, string | undefined>,
  name: string,
  schema: z.ZodType<T>,
): T | undefined {
  const raw = envValue(env, name);
  if (raw === undefined) return undefined;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`pipeline config: ${describeIssues(parsed.error, name)}`);
  return parsed.data;
}

const truthy = z
  .string()
  .transform((v) => v.toLowerCase())
  .pipe(z.enum(["1", "true", "yes", "0", "false", "no"]))
  .transform((v) => v === "1" || v === "true" || v === "yes");

/**
 * Reads the pipeline's configuration from the environment and, optionally, a JSON file
 * (`file`, else $HOLDFAST_PIPELINE_CONFIG). The environment wins over the file; relative
 * paths in the file are relative to the file. Throws ConfigError naming every problem,
 * never a secret's value. The API key is held as a Secret, and the returned object's
 * toJSON is redactPipelineConfig, so logging or printing the config cannot leak it.
 */
export function loadPipelineConfig(
  env: Record<string, string | undefined> = process.env,
  file?: string,
): PipelineConfig {
  const E = PIPELINE_ENV;
  const path = file ?? envValue(env, E.configFile);
  const { config: f, dir: fileDir } = path
    ? readConfigFile(path)
    : { config: {} as FileConfig, dir: process.cwd() };
  const fromFile = (p: string | undefined) => (p === undefined ? undefined : resolve(fileDir, p));

  const inboxDir = resolve(envValue(env, E.inboxDir) ?? fromFile(f.inboxDir) ?? PIPELINE_DEFAULTS.inboxDir);
  const objectPrefix = envValue(env, E.objectPrefix) ?? f.objectPrefix ?? PIPELINE_DEFAULTS.objectPrefix;
  const ffprobeSetting = envValue(env, E.ffprobe) ?? (f.ffprobe === false ? "off" : f.ffprobe);
  const ffprobe = ffprobeSetting === undefined ? undefined : ffprobeSetting === "off" ? null : ffprobeSetting;

  const storageKind =
    envParse(env, E.storage, z.enum(["gcs", "local"])) ?? f.storage ?? PIPELINE_DEFAULTS.storage;
  let storage: StorageConfig;
  if (storageKind === "local") {
    storage = {
      kind: "local",
      dir: resolve(
        envValue(env, E.storageDir) ?? fromFile(f.storageDir) ?? PIPELINE_DEFAULTS.localStorageDir,
      ),
    };
  } else {
    const bucket = envValue(env, E.gcsBucket) ?? f.gcs?.bucket;
    if (!bucket)
      throw new ConfigError(`pipeline config: storage is gcs but no bucket is set (${E.gcsBucket})`);
    const projectId = envValue(env, E.googleCloudProject) ?? f.gcs?.projectId;
    const apiEndpoint = envParse(env, E.gcsApiEndpoint, url) ?? f.gcs?.apiEndpoint;
    const keyFilename = envValue(env, E.gcsKeyFile) ?? fromFile(f.gcs?.keyFilename);
    storage = {
      kind: "gcs",
      bucket,
      ...(projectId ? { projectId } : {}),
      ...(apiEndpoint ? { apiEndpoint } : {}),
      authWithCustomEndpoint:
        envParse(env, E.gcsAuthWithCustomEndpoint, truthy) ?? f.gcs?.authWithCustomEndpoint ?? false,
      ...(keyFilename ? { keyFilename } : {}),
      resumableThresholdBytes:
        envParse(env, E.gcsResumableThreshold, positiveInt) ??
        f.gcs?.resumableThresholdBytes ??
        PIPELINE_DEFAULTS.resumableThresholdBytes,
    };
  }

  const analyzerKind =
    envParse(env, E.analyzer, z.enum(["gemini", "offline"])) ?? f.analyzer ?? PIPELINE_DEFAULTS.analyzer;
  let analyzer: AnalyzerConfig;
  if (analyzerKind === "offline") {
    analyzer = {
      kind: "offline",
      latencyMs:
        envParse(env, E.offlineLatency, nonNegativeInt) ??
        f.offlineLatencyMs ??
        PIPELINE_DEFAULTS.offlineLatencyMs,
    };
  } else {
    const key = envValue(env, E.geminiApiKey) ?? f.gemini?.apiKey;
    const useVertex = envParse(env, E.useVertex, truthy) ?? f.gemini?.vertex !== undefined;
    let vertex: { project: string; location: string } | undefined;
    if (useVertex) {
      const project = envValue(env, E.googleCloudProject) ?? f.gemini?.vertex?.project;
      const location = envValue(env, E.googleCloudLocation) ?? f.gemini?.vertex?.location;
      if (!project || !location) {
        throw new ConfigError(
          `pipeline config: Vertex AI needs a project and a location (${E.googleCloudProject}, ${E.googleCloudLocation})`,
        );
      }
      vertex = { project, location };
    } else if (!key) {
      throw new ConfigError(
        `pipeline config: analyzer is gemini but no API key is set (${E.geminiApiKey}), nor Vertex AI (${E.useVertex}=true)`,
      );
    }
    const baseUrl = envParse(env, E.geminiBaseUrl, url) ?? f.gemini?.baseUrl;
    analyzer = {
      kind: "gemini",
      ...(key && !vertex ? { apiKey: new Secret(key) } : {}),
      ...(vertex ? { vertex } : {}),
      model: envValue(env, E.geminiModel) ?? f.gemini?.model ?? PIPELINE_DEFAULTS.geminiModel,
      ...(baseUrl ? { baseUrl } : {}),
      callTimeoutMs:
        envParse(env, E.geminiTimeout, positiveInt) ??
        f.gemini?.callTimeoutMs ??
        PIPELINE_DEFAULTS.geminiCallTimeoutMs,
      maxCalls:
        envParse(env, E.geminiMaxCalls, positiveInt) ??
        f.gemini?.maxCalls ??
        PIPELINE_DEFAULTS.geminiMaxCalls,
    };
  }

  const config: PipelineConfig = {
    inboxDir,
    objectPrefix,
    storage,
    analyzer,
    ...(ffprobe !== undefined ? { ffprobe } : {}),
  };
  // Printing the config any usual way (JSON, console.log, a logger) shows the redacted form.
  Object.defineProperty(config, "toJSON", { value: () => redactPipelineConfig(config), enumerable: false });
  Object.defineProperty(config, inspect.custom, {
    value: () => redactPipelineConfig(config),
    enumerable: false,
  });
  return config;
}

/**
 * The configuration as plain JSON that is safe to log or print: the API key replaced by
 * "[redacted]" (or absent), credentials in endpoint URLs removed.
 */
export function redactPipelineConfig(config: PipelineConfig): Record<string, unknown> {
  const { storage, analyzer } = config;
  return {
    inboxDir: config.inboxDir,
    objectPrefix: config.objectPrefix,
    ...(config.ffprobe !== undefined ? { ffprobe: config.ffprobe ?? "off" } : {}),
    storage:
      storage.kind === "gcs" && storage.apiEndpoint
        ? { ...storage, apiEndpoint: redactUrl(storage.apiEndpoint) }
        : { ...storage },
    analyzer:
      analyzer.kind === "gemini"
        ? {
            ...analyzer,
            ...(analyzer.apiKey ? { apiKey: "[redacted]" } : {}),
            ...(analyzer.baseUrl ? { baseUrl: redactUrl(analyzer.baseUrl) } : {}),
          }
        : { ...analyzer },
  };
}
