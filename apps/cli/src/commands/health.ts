import { hostname } from "node:os";
import {
  alertMessage,
  checkHealth,
  HEALTH_DEFAULTS,
  HEALTH_STATUS,
  HEALTH_STATUS_NAME,
  type HealthReport,
  type HealthStatus,
  postAlert,
  webhookHost,
} from "@holdfast/core";
import { Command, Option } from "clipanion";
import * as t from "typanion";
import { scrub as scrubWith } from "../database/database-url.js";
import { CLI_DEFAULTS } from "../defaults.js";
import { describeError } from "../errors.js";
import { formatTable } from "../output/table.js";
import { HoldfastCommand } from "./base-command.js";

export class HealthCommand extends HoldfastCommand {
  static override paths = [["health"]];
  static override usage = Command.Usage({
    description: "check stuck rows, failures, paid calls, workers and the scheduler",
    details: `
      Exit code (Nagios convention): 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. A check that could not run is UNKNOWN,
      never OK: an unreachable database exits 3 (the seed's script said "all fine" when its own query failed).

      With \`--alert-webhook URL\`, a report that is not OK is also posted as a Slack-compatible JSON message
      (\`{"text": …}\`). The exit code stays the health status even if the post fails (the failure is printed).
    `,
    examples: [
      ["Check (for cron, Nagios, Kubernetes exec probes)", "$0 health"],
      ["Alert a Slack channel when not OK", "$0 health --alert-webhook $SLACK_WEBHOOK_URL"],
    ],
  });

  alertWebhook = Option.String("--alert-webhook", {
    env: "HOLDFAST_ALERT_WEBHOOK",
    validator: t.cascade(t.isString(), [t.matchesRegExp(/^https?:\/\/\S+$/)]),
    description:
      "POST a Slack-compatible JSON message here when the status is not OK; also HOLDFAST_ALERT_WEBHOOK",
  });
  requireScheduler = Option.Boolean("--require-scheduler", false, {
    description: "Report WARNING when no scheduler is registered",
  });
  json = Option.Boolean("--json", false, { description: "Print the report as JSON" });

  protected async run(): Promise<number> {
    const checked = await this.check();
    // A driver's error text can quote the connection string: scrub every message.
    const report = {
      ...checked,
      checks: checked.checks.map((c) => ({ ...c, message: this.scrubbed(c.message) })),
    };
    if (this.json) this.printJson(report);
    else this.printReport(report);

    if (report.status !== HEALTH_STATUS.OK && this.alertWebhook) {
      const where = `${hostname()}, ${this.safeLocation()}`;
      try {
        await postAlert(this.alertWebhook, alertMessage(report, where), {
          timeoutMs: CLI_DEFAULTS.webhookTimeoutMs,
        });
        if (!this.json) this.print(`alert posted to ${webhookHost(this.alertWebhook)}`);
      } catch (err) {
        this.warn(`holdfast health: ${(err as Error).message}`);
      }
    }
    return report.status;
  }

  /** Any failure to even run the checks (bad URL, unreachable database) is UNKNOWN. */
  private async check(): Promise<HealthReport> {
    try {
      const store = await this.openStore();
      return await checkHealth(store, {
        thresholds: { requireScheduler: this.requireScheduler || HEALTH_DEFAULTS.requireScheduler },
      });
    } catch (err) {
      const status: HealthStatus = HEALTH_STATUS.UNKNOWN;
      return {
        status,
        statusName: HEALTH_STATUS_NAME[status],
        checks: [
          { name: "database", status, value: null, message: this.scrubbed(describeError(err).message) },
        ],
        at: new Date(),
      };
    }
  }

  private scrubbed(message: string): string {
    // describeError keeps stacks for unexpected errors; a health line wants the first line only.
    const first = message.split("\n")[0] ?? message;
    try {
      return scrubWith(first, this.target);
    } catch {
      return first;
    }
  }

  private safeLocation(): string {
    try {
      return this.target.location;
    } catch {
      return "invalid database URL";
    }
  }

  private printReport(report: HealthReport): void {
    const c = this.colors;
    const color = (s: HealthStatus, text: string) =>
      s === HEALTH_STATUS.OK ? c.green(text) : s === HEALTH_STATUS.WARNING ? c.yellow(text) : c.red(text);
    this.print(
      formatTable(
        ["check", "status", "value", "detail"],
        report.checks.map((check) => [
          check.name,
          color(check.status, HEALTH_STATUS_NAME[check.status]),
          check.value,
          check.message,
        ]),
      ),
    );
    this.print(`holdfast health: ${color(report.status, report.statusName)}`);
  }
}
