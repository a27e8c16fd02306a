import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { inspect } from "node:util";
import { ConfigError } from "@holdfast/core";
import { describe, expect, it } from "vitest";
import { loadPipelineConfig, redactPipelineConfig } from "../src/config/load-config.js";
import { PIPELINE_DEFAULTS } from "../src/defaults.js";
import { tempDir } from "./helpers.js";

const KEY = "AIzaSy-test-key-that-must-never-leak";

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("loadPipelineConfig", () => {
  it("defaults to local storage and the offline analyzer", () => {
    const config = loadPipelineConfig({});
    expect(config.storage.kind).toBe("local");
    expect(config.analyzer).toEqual({ kind: "offline", latencyMs: 0 });
    expect(config.objectPrefix).toBe(PIPELINE_DEFAULTS.objectPrefix);
    expect(config.inboxDir).toBe(join(process.cwd(), "inbox"));
  });

  it("reads GCS and Gemini settings from the environment", () => {
    const config = loadPipelineConfig({
      HOLDFAST_STORAGE: "gcs",
      GCS_BUCKET: "my-videos",
      GCS_API_ENDPOINT: "http://127.0.0.1:4443",
      GOOGLE_CLOUD_PROJECT: "proj",
      HOLDFAST_ANALYZER: "gemini",
      GEMINI_API_KEY: KEY,
      GEMINI_BASE_URL: "http://127.0.0.1:9999",
      GEMINI_TIMEOUT_MS: "5000",
      HOLDFAST_INBOX_DIR: "/srv/inbox",
      HOLDFAST_FFPROBE: "off",
    });
    expect(config.storage).toMatchObject({
      kind: "gcs",
      bucket: "my-videos",
      apiEndpoint: "http://127.0.0.1:4443",
      projectId: "proj",
    });
    expect(config.analyzer).toMatchObject({
      kind: "gemini",
      model: "gemini-2.5-flash",
      baseUrl: "http://127.0.0.1:9999",
      callTimeoutMs: 5000,
    });
    expect(config.analyzer.kind === "gemini" && config.analyzer.apiKey?.reveal()).toBe(KEY);
    expect(config.inboxDir).toBe("/srv/inbox");
    expect(config.ffprobe).toBeNull();
  });

  it("supports Vertex AI instead of an API key", () => {
    const config = loadPipelineConfig({
      HOLDFAST_ANALYZER: "gemini",
      GOOGLE_GENAI_USE_VERTEXAI: "true",
      GOOGLE_CLOUD_PROJECT: "p",
      GOOGLE_CLOUD_LOCATION: "europe-west4",
    });
    expect(config.analyzer).toMatchObject({
      kind: "gemini",
      vertex: { project: "p", location: "europe-west4" },
    });
    expect(
      configError(() => loadPipelineConfig({ HOLDFAST_ANALYZER: "gemini", GOOGLE_GENAI_USE_VERTEXAI: "1" }))
        .message,
    ).toMatch(/GOOGLE_CLOUD_LOCATION/);
  });

  it("merges a JSON file under the environment, paths relative to the file", async () => {
    const dir = await tempDir();
    const file = join(dir, "pipeline.json");
    await writeFile(
      file,
      JSON.stringify({
        inboxDir: "in",
        storage: "gcs",
        gcs: { bucket: "from-file", resumableThresholdBytes: 1024 },
        analyzer: "gemini",
        gemini: { apiKey: KEY, model: "gemini-2.5-pro" },
      }),
    );
    const config = loadPipelineConfig({ GEMINI_MODEL: "gemini-2.5-flash-lite" }, file);
    expect(config.inboxDir).toBe(join(dir, "in"));
    expect(config.storage).toMatchObject({ bucket: "from-file", resumableThresholdBytes: 1024 });
    expect(config.analyzer).toMatchObject({ model: "gemini-2.5-flash-lite" });
    expect(loadPipelineConfig({ HOLDFAST_PIPELINE_CONFIG: file }).storage).toMatchObject({
      bucket: "from-file",
    });
  });

  it("names what is wrong", async () => {
    expect(configError(() => loadPipelineConfig({ HOLDFAST_STORAGE: "s3" })).message).toMatch(
      /HOLDFAST_STORAGE/,
    );
    expect(configError(() => loadPipelineConfig({ HOLDFAST_STORAGE: "gcs" })).message).toMatch(
      /no bucket.*GCS_BUCKET/,
    );
    expect(configError(() => loadPipelineConfig({ HOLDFAST_ANALYZER: "gemini" })).message).toMatch(
      /GEMINI_API_KEY/,
    );
    expect(
      configError(() =>
        loadPipelineConfig({ GCS_API_ENDPOINT: "not a url", HOLDFAST_STORAGE: "gcs", GCS_BUCKET: "b" }),
      ).message,
    ).toMatch(/GCS_API_ENDPOINT/);
    expect(
      configError(() =>
        loadPipelineConfig({ GEMINI_TIMEOUT_MS: "-1", HOLDFAST_ANALYZER: "gemini", GEMINI_API_KEY: KEY }),
      ).message,
    ).toMatch(/GEMINI_TIMEOUT_MS/);
    const dir = await tempDir();
    await writeFile(join(dir, "bad.json"), JSON.stringify({ gemini: { apiKey: 42 }, colour: "blue" }));
    const fileError = configError(() => loadPipelineConfig({}, join(dir, "bad.json")));
    expect(fileError.message).toMatch(/gemini\.apiKey/);
    expect(fileError.message).toMatch(/colour/);
    await writeFile(join(dir, "broken.json"), "{");
    expect(configError(() => loadPipelineConfig({}, join(dir, "broken.json"))).message).toMatch(
      /not valid JSON/,
    );
    expect(configError(() => loadPipelineConfig({}, join(dir, "missing.json"))).message).toMatch(/ENOENT/);
  });

  it("never shows the API key: JSON, inspect, template strings, redact()", () => {
    const config = loadPipelineConfig({
      HOLDFAST_ANALYZER: "gemini",
      GEMINI_API_KEY: KEY,
      GEMINI_BASE_URL: "https://user:hunter2@proxy.example/gemini",
    });
    const shown = [
      JSON.stringify(config),
      inspect(config, { depth: 10 }),
      `${config.analyzer.kind === "gemini" ? config.analyzer.apiKey : ""}`,
      JSON.stringify(redactPipelineConfig(config)),
    ];
    for (const text of shown) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain("hunter2");
    }
    expect(JSON.parse(JSON.stringify(config)).analyzer.apiKey).toBe("[redacted]");
  });

  it("keeps a bad value out of the error message (it might be a key)", () => {
    const err = configError(() =>
      loadPipelineConfig({ GEMINI_BASE_URL: KEY, HOLDFAST_ANALYZER: "gemini", GEMINI_API_KEY: KEY }),
    );
    expect(err.message).not.toContain(KEY);
  });
});
