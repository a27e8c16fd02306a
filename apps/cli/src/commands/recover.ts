import { DEFAULTS, type RecoverReport, recover, type StuckReport, videoStageMachine } from "@holdfast/core";
import { Command, Option } from "clipanion";
import * as t from "typanion";
import { CLI_DEFAULTS } from "../defaults.js";
import { EXIT } from "../exit-codes.js";
import { confirm } from "../output/confirm.js";
import { formatDuration, formatTime, plural, shortId } from "../output/format.js";
import { formatTable } from "../output/table.js";
import { HoldfastCommand } from "./base-command.js";

export class RecoverCommand extends HoldfastCommand {
  static override paths = [["recover"], ["analysis:recover"]];
  static override usage = Command.Usage({
    description: "put stuck videos back to work (the seed's analysis:recover)",
    details: `
      A video is stuck when the worker that held it died: its lease expired. Rows written by the old system, in
      \`processing\` with no lease and not updated for \`--timeout\` seconds, are stuck too (the seed's rule; a row
      holdfast leased is never judged by its age, so a long, healthy analysis is never reset).

      Prints the stuck rows, then releases each back to \`metadata_extracting\` with the attempt counted, or moves it
      to \`failed\` once it has used \`--max-attempts\`. Every change writes an audit event.

      Changing rows needs a yes: \`--yes\`, or an answer on a terminal. When stdin is not a terminal and \`--yes\` is
      missing, nothing is changed and the exit code is ${EXIT.notConfirmed}: a scheduled run must say \`--yes\`
      (the seed's scheduled run asked a question nobody could answer and silently reset nothing).
    `,
    examples: [
      ["See what is stuck, change nothing", "$0 recover --dry-run"],
      ["Recover unattended (cron, scheduler)", "$0 recover --yes"],
      ["The seed's command line still works", "$0 analysis:recover --timeout=3600 --dry-run"],
    ],
  });

  timeout = Option.String("--timeout", String(CLI_DEFAULTS.legacyTimeoutSeconds), {
    validator: t.cascade(t.isNumber(), [t.isAtLeast(0)]),
    description: `Seconds without update after which an UNLEASED processing row (old system) is stuck (default ${CLI_DEFAULTS.legacyTimeoutSeconds}); leased rows use their lease`,
  });
  dryRun = Option.Boolean("--dry-run", false, { description: "Only show what is stuck; change nothing" });
  yes = Option.Boolean("--yes,-y", false, {
    description: "Change rows without asking (for unattended runs)",
  });
  maxAttempts = Option.String("--max-attempts", String(DEFAULTS.maxAttempts), {
    validator: t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(1)]),
    description: `A stuck row that has been claimed this many times goes to failed instead of back to work (default ${DEFAULTS.maxAttempts})`,
  });
  json = Option.Boolean("--json", false, { description: "Print the stuck rows and the actions as JSON" });

  protected async run(): Promise<number> {
    const store = await this.openStore();
    const options = {
      actor: "cli",
      maxAttempts: this.maxAttempts,
      legacyTimeoutMs: Math.round(this.timeout * 1000),
    };
    const plan = await recover(store, { ...options, dryRun: true });

    if (!this.json) this.printPlan(plan);
    if (plan.found.length === 0 || this.dryRun) {
      if (this.json)
        this.printJson(
          jsonReport(plan, this.maxAttempts, plan.found.length === 0 ? "nothing-stuck" : "dry-run"),
        );
      else if (this.dryRun && plan.found.length > 0) this.print("dry run: nothing was changed");
      return EXIT.ok;
    }

    if (!this.yes) {
      if (!this.stdinIsTty) {
        const why =
          `${plural(plan.found.length, "stuck row")} found but nothing was changed: stdin is not a terminal, ` +
          "so nobody can confirm. Run `holdfast recover --yes` for unattended use, or --dry-run to only look.";
        if (this.json) this.printJson({ ...jsonReport(plan, this.maxAttempts, "refused"), error: why });
        this.warn(`holdfast recover: ${why}`);
        return EXIT.notConfirmed;
      }
      const ok = await confirm(
        `Recover ${plural(plan.found.length, "row")} (release to metadata_extracting, or fail after ${this.maxAttempts} attempts)?`,
        this.context.stdin,
        this.context.stdout,
      );
      if (!ok) {
        this.print("not confirmed: nothing was changed");
        return EXIT.notConfirmed;
      }
    }

    const done = await recover(store, options);
    if (this.json) {
      this.printJson(jsonReport(done, this.maxAttempts, "recovered"));
      return EXIT.ok;
    }
    if (done.actions.length > 0) {
      this.print(
        formatTable(
          ["id", "source id", "from", "to", "action", "attempts"],
          done.actions.map((a) => [a.id, shortId(a.sourceId), a.fromStage, a.toStage, a.action, a.attempts]),
        ),
      );
    }
    const others = plan.found.length - done.actions.length;
    this.print(
      `recovered ${plural(done.actions.length, "row")}: ${done.released} released, ${done.failed} failed` +
        (others > 0 ? ` (${others} changed meanwhile by another recovery or worker)` : ""),
    );
    return EXIT.ok;
  }

  private printPlan(plan: RecoverReport): void {
    if (plan.found.length === 0) {
      this.print("no stuck rows");
      return;
    }
    this.print(`${plural(plan.found.length, "stuck row")}:`);
    this.print(
      formatTable(
        ["id", "source id", "stage", "last update", "stuck for", "attempts", "why", "action"],
        plan.found.map((row) => [
          row.id,
          shortId(row.sourceId),
          row.stage,
          formatTime(row.updatedAt),
          formatDuration(row.stuckForMs),
          row.attempts,
          row.kind === "lease_expired"
            ? `lease of ${row.leaseOwner ?? "?"} expired`
            : "legacy: no lease, timed out",
          plannedAction(row, this.maxAttempts),
        ]),
      ),
    );
  }
}

/**
 * What recovery will do with the row, for the table. The rule itself is applied by the
 * store (taskRecoverStuck); this only predicts it for display.
 */
function plannedAction(row: StuckReport, maxAttempts: number): string {
  if (row.attempts >= maxAttempts) return `fail (${row.attempts}/${maxAttempts} attempts)`;
  const stage = row.stage;
  const to = videoStageMachine.isStage(stage) ? videoStageMachine.releaseTarget(stage) : stage;
  return `release → ${to}`;
}

function jsonReport(report: RecoverReport, maxAttempts: number, outcome: string) {
  return {
    outcome,
    dryRun: outcome !== "recovered",
    maxAttempts,
    found: report.found.map((row) => ({ ...row, plannedAction: plannedAction(row, maxAttempts) })),
    actions: report.actions,
    released: report.released,
    failed: report.failed,
  };
}
