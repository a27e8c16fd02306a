import { PIPELINE_DEFAULTS, PIPELINE_ENV } from "@holdfast/pipeline";
import { describe, expect, it } from "vitest";
import { PIPELINE_HELP, pipelineEnv } from "./pipeline-options.js";

describe("pipeline options", () => {
  it("state the pipeline's own defaults and variable names in --help", () => {
    expect(PIPELINE_HELP.inboxDir).toBe(PIPELINE_DEFAULTS.inboxDir);
    expect(PIPELINE_HELP.analyzer).toBe(PIPELINE_DEFAULTS.analyzer);
    expect(PIPELINE_HELP.storage).toBe(PIPELINE_DEFAULTS.storage);
    expect(PIPELINE_HELP.offlineLatencyMs).toBe(PIPELINE_DEFAULTS.offlineLatencyMs);
    for (const [key, name] of Object.entries(PIPELINE_HELP.env)) {
      expect(PIPELINE_ENV[key as keyof typeof PIPELINE_ENV]).toBe(name);
    }
  });

  it("lets a flag win over the environment and leaves unset flags alone", () => {
    const env = pipelineEnv(
      PIPELINE_ENV,
      { HOLDFAST_ANALYZER: "gemini", HOLDFAST_STORAGE: "gcs" },
      {
        analyzer: "offline",
        offlineLatency: 250,
      },
    );
    expect(env.HOLDFAST_ANALYZER).toBe("offline");
    expect(env.HOLDFAST_STORAGE).toBe("gcs");
    expect(env.HOLDFAST_OFFLINE_LATENCY_MS).toBe("250");
  });
});
