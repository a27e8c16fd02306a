import { webhookHost } from "@holdfast/core";
import { redactUrl } from "@holdfast/db";
import type { SchedulerConfig } from "./load-config.js";

/** The config fit for logs and `--json` output: the database password and the webhook's path (its token) removed. */
export function redactSchedulerConfig(config: SchedulerConfig): SchedulerConfig {
  return {
    ...config,
    databaseUrl: redactUrl(config.databaseUrl),
    health: {
      ...config.health,
      ...(config.health.webhookUrl ? { webhookUrl: `${webhookHost(config.health.webhookUrl)}/***` } : {}),
    },
  };
}
