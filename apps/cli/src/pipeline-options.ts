import type * as Pipeline from "@holdfast/pipeline";
import { Option } from "clipanion";
import * as t from "typanion";

type Env = Record<string, string | undefined>;

/**
 * @holdfast/pipeline pulls in the Google Cloud SDKs (~0.4 s): only the commands that run
 * the pipeline load it, so `health` from cron or a Kubernetes probe starts fast.
 */
export function loadPipeline(): Promise<typeof Pipeline> {
  return import("@holdfast/pipeline");
}

/**
 * The pipeline's defaults and variable names as the help texts state them. Stated here so
 * that `--help` does not load the pipeline; pipeline-options.test.ts checks them against
 * PIPELINE_DEFAULTS and PIPELINE_ENV, so they cannot drift.
 */
export const PIPELINE_HELP = Object.freeze({
  inboxDir: "./inbox",
  analyzer: "offline",
  storage: "local",
  offlineLatencyMs: 0,
  env: {
    configFile: "HOLDFAST_PIPELINE_CONFIG",
    inboxDir: "HOLDFAST_INBOX_DIR",
    analyzer: "HOLDFAST_ANALYZER",
    storage: "HOLDFAST_STORAGE",
    offlineLatency: "HOLDFAST_OFFLINE_LATENCY_MS",
  },
});

/**
 * The pipeline options the CLI accepts. They override the environment variables that
 * @holdfast/pipeline's loadPipelineConfig reads (flag > environment > config file > default)
 * by being written into the environment it is given: the precedence rules stay in the package.
 */
export const pipelineOptions = {
  config: () =>
    Option.String("--config", {
      description: `Pipeline config file (JSON); also read from ${PIPELINE_HELP.env.configFile}`,
    }),
  inbox: () =>
    Option.String("--inbox", {
      description: `Directory video files are read from and deleted in (default ${PIPELINE_HELP.inboxDir}); also ${PIPELINE_HELP.env.inboxDir}`,
    }),
  analyzer: () =>
    Option.String("--analyzer", {
      validator: t.isEnum(["gemini", "offline"]),
      description: `gemini or offline (default ${PIPELINE_HELP.analyzer}); also ${PIPELINE_HELP.env.analyzer}`,
    }),
  storage: () =>
    Option.String("--storage", {
      validator: t.isEnum(["gcs", "local"]),
      description: `gcs or local (default ${PIPELINE_HELP.storage}); also ${PIPELINE_HELP.env.storage}`,
    }),
  offlineLatency: () =>
    Option.String("--offline-latency", {
      validator: t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(0)]),
      description: `Simulated analysis time of the offline analyzer, in ms (default ${PIPELINE_HELP.offlineLatencyMs}); also ${PIPELINE_HELP.env.offlineLatency}`,
    }),
};

export interface PipelineFlags {
  inbox?: string | undefined;
  analyzer?: string | undefined;
  storage?: string | undefined;
  offlineLatency?: number | undefined;
}

/** The environment loadPipelineConfig should see once the flags are applied. */
export function pipelineEnv(names: typeof Pipeline.PIPELINE_ENV, env: Env, flags: PipelineFlags): Env {
  const out: Env = { ...env };
  if (flags.inbox !== undefined) out[names.inboxDir] = flags.inbox;
  if (flags.analyzer !== undefined) out[names.analyzer] = flags.analyzer;
  if (flags.storage !== undefined) out[names.storage] = flags.storage;
  if (flags.offlineLatency !== undefined) out[names.offlineLatency] = String(flags.offlineLatency);
  return out;
}
