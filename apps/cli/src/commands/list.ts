import { videoStageMachine } from "@holdfast/core";
import { Command, Option } from "clipanion";
import * as t from "typanion";
import { CLI_DEFAULTS } from "../defaults.js";
import { formatTime, plural, shortId } from "../output/format.js";
import { formatTable } from "../output/table.js";
import { HoldfastCommand } from "./base-command.js";

export class ListCommand extends HoldfastCommand {
  static override paths = [["list"]];
  static override usage = Command.Usage({
    description: "list videos, optionally in one stage",
    details: `Stages: ${videoStageMachine.stages.join(", ")}. Rows come oldest first; page with \`--after <last id>\`.`,
    examples: [
      ["Everything (first 50)", "$0 list"],
      ["What failed, as JSON", "$0 list --stage failed --json"],
    ],
  });

  stage = Option.String("--stage", {
    validator: t.isEnum(videoStageMachine.stages),
    description: "Only rows in this stage",
  });
  limit = Option.String("--limit", String(CLI_DEFAULTS.listLimit), {
    validator: t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(1)]),
    description: `At most this many rows (default ${CLI_DEFAULTS.listLimit})`,
  });
  after = Option.String("--after", {
    validator: t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(0)]),
    description: "Only rows with an id above this (paging)",
  });
  json = Option.Boolean("--json", false, { description: "Print the rows as JSON" });

  protected async run(): Promise<number> {
    const store = await this.openStore();
    const rows = await store.taskList({
      limit: this.limit,
      ...(this.stage ? { stage: this.stage } : {}),
      ...(this.after !== undefined ? { afterId: this.after } : {}),
    });
    if (this.json) {
      // The lease token fences writes: it is nobody else's business.
      this.printJson(rows.map(({ leaseToken: _token, ...row }) => row));
      return 0;
    }
    if (rows.length === 0) {
      this.print(
        this.stage
          ? `no videos in ${this.stage}`
          : "no videos yet: add some with `holdfast videos add <file>`",
      );
      return 0;
    }
    this.print(
      formatTable(
        ["id", "source id", "stage", "attempts", "held by", "updated", "file", "last error"],
        rows.map((r) => [
          r.id,
          shortId(r.sourceId),
          r.stage,
          r.attempts,
          r.leaseOwner,
          formatTime(r.updatedAt),
          typeof r.data.path === "string" ? r.data.path : null,
          r.lastError && r.lastError.length > 60 ? `${r.lastError.slice(0, 59)}…` : r.lastError,
        ]),
      ),
    );
    if (rows.length === this.limit) {
      this.print(`${plural(rows.length, "row")} shown; more with --after ${rows[rows.length - 1]?.id}`);
    }
    return 0;
  }
}
