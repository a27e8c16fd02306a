import { Command, Option } from "clipanion";
import * as t from "typanion";
import { CLI_DEFAULTS } from "../defaults.js";
import { CliError } from "../errors.js";
import { formatTime } from "../output/format.js";
import { formatTable } from "../output/table.js";
import { HoldfastCommand } from "./base-command.js";

export class ShowCommand extends HoldfastCommand {
  static override paths = [["show"]];
  static override usage = Command.Usage({
    description: "one video: its row, result, audit history and paid-call journal",
    examples: [["Everything about video 3", "$0 show 3"]],
  });

  json = Option.Boolean("--json", false, { description: "Print everything as JSON" });
  id = Option.String({ name: "id", validator: t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(1)]) });

  protected async run(): Promise<number> {
    const store = await this.openStore();
    const row = await store.taskGet(this.id);
    if (!row) throw new CliError(`no video with id ${this.id}`);
    const limit = CLI_DEFAULTS.showHistoryLimit;
    const [result, audit, journal] = await Promise.all([
      store.taskResult(row.id),
      store.auditList({ taskId: row.id, limit }),
      store.journalList({ taskId: row.id, limit }),
    ]);
    const { leaseToken: _token, ...visible } = row;
    if (this.json) {
      this.printJson({ ...visible, result, audit, journal });
      return 0;
    }
    const c = this.colors;
    this.print(c.bold(`video ${row.id}`));
    this.print(
      formatTable(
        ["field", "value"],
        [
          ["source id", row.sourceId],
          ["stage", row.stage],
          ["attempts", row.attempts],
          ["held by", row.leaseOwner],
          ["lease expires", formatTime(row.leaseExpiresAt)],
          ["last error", row.lastError],
          ["created", formatTime(row.createdAt)],
          ["updated", formatTime(row.updatedAt)],
        ],
      ),
    );
    this.print(c.bold("data"));
    this.print(`${JSON.stringify(row.data, null, 2)}\n`);
    this.print(c.bold("result"));
    this.print(result ? `${JSON.stringify(result, null, 2)}\n` : "(none yet)\n");
    this.print(c.bold(`history (${audit.length})`));
    this.print(
      audit.length === 0
        ? "(no events)\n"
        : formatTable(
            ["at", "event", "by", "from", "to", "detail"],
            audit.map((e) => [
              formatTime(e.at),
              e.event,
              e.actor,
              e.fromStage,
              e.toStage,
              Object.keys(e.detail).length ? JSON.stringify(e.detail) : null,
            ]),
          ),
    );
    this.print(c.bold(`paid-call journal (${journal.length})`));
    this.print(
      journal.length === 0
        ? "(no paid calls)\n"
        : formatTable(
            ["id", "provider", "model", "status", "started", "finished", "error"],
            journal.map((j) => [
              j.id,
              j.provider,
              j.model,
              j.status === "started" && !j.finishedAt ? "started (possibly charged)" : j.status,
              formatTime(j.startedAt),
              formatTime(j.finishedAt),
              j.error,
            ]),
          ),
    );
    return 0;
  }
}
