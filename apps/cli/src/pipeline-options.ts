import { PIPELINE_DEFAULTS, PIPELINE_ENV } from "@holdfast/pipeline";
import { Option } from "clipanion";
import * as t from "typanion";

type Env = Record<string, string | undefined>;

/**
 * The pipeline options the CLI accepts. They override the environment variables
 * @holdfast/pipeline's loadPipelineConfig reads (flag > environment > config file > default),
 * by being written into the environment it is given: the precedence rules stay in the package.
 */
export const pipelineOptions = {
  config: () =>
    Option.String("--config", {
      description: `Pipeline config file (JSON); also read from ${PIPELINE_ENV.configFile}`,
    }),
  inbox: () =>
    Option.String("--inbox", {
      description: `Directory video files are read from and deleted in (default ${PIPELINE_DEFAULTS.inboxDir}); also ${PIPELINE_ENV.inboxDir}`,
    }),
  analyzer: () =>
    Option.String("--analyzer", {
      validator: t.isEnum(["gemini", "offline"]),
      description: `gemini or offline (default ${PIPELINE_DEFAULTS.analyzer}); also ${PIPELINE_ENV.analyzer}`,
    }),
  storage: () =>
    Option.String("--storage", {
      validator: t.isEnum(["gcs", "local"]),
      description: `gcs or local (default ${PIPELINE_DEFAULTS.storage}); also ${PIPELINE_ENV.storage}`,
    }),
  offlineLatency: () =>
    Option.String("--offline-latency", {
      validator: t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(0)]),
      description: `Simulated analysis time of the offline analyzer, in ms (default ${PIPELINE_DEFAULTS.offlineLatencyMs})`,
    }),
};

export interface PipelineFlags {
  inbox?: string | undefined;
  analyzer?: string | undefined;
  storage?: string | undefined;
  offlineLatency?: number | undefined;
}

/** The environment loadPipelineConfig should see once the flags are applied. */
export function pipelineEnv(env: Env, flags: PipelineFlags): Env {
  const out: Env = { ...env };
  if (flags.inbox !== undefined) out[PIPELINE_ENV.inboxDir] = flags.inbox;
  if (flags.analyzer !== undefined) out[PIPELINE_ENV.analyzer] = flags.analyzer;
  if (flags.storage !== undefined) out[PIPELINE_ENV.storage] = flags.storage;
  if (flags.offlineLatency !== undefined) out[PIPELINE_ENV.offlineLatency] = String(flags.offlineLatency);
  return out;
}
