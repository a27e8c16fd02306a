import { HEALTH_DEFAULTS, type TaskRow, type TaskStore, videoStageMachine } from "@holdfast/core";
import { Command, Option } from "clipanion";
import { formatDuration, formatTime, plural, shortId } from "../output/format.js";
import { formatTable } from "../output/table.js";
import { workerState } from "../output/workers.js";
import { HoldfastCommand } from "./base-command.js";

export class CheckCommand extends HoldfastCommand {
  static override paths = [["check"]];
  static override usage = Command.Usage({
    description: "the deploy check: who is running where, and what is in flight",
    details: `
      Lists the registered workers (host, pid, started, last heartbeat, rows in flight, draining or not), the
      scheduler, the number of rows in each stage and the rows held by a worker right now. Workers register and
      heartbeat in the database, so this works across hosts and containers (the seed grepped \`ps aux\`).
      Exits 0 whatever it finds; use \`holdfast health\` for a verdict.
    `,
    examples: [
      ["Before and after a deploy", "$0 check"],
      ["Include workers that stopped", "$0 check --all"],
    ],
  });

  all = Option.Boolean("--all", false, { description: "Also list workers that have stopped" });
  json = Option.Boolean("--json", false, { description: "Print everything as JSON" });

  protected async run(): Promise<number> {
    const store = await this.openStore();
    const now = new Date();
    const [workers, counts] = await Promise.all([
      store.workerList({ includeStopped: this.all }),
      store.taskCounts({ now }),
    ]);
    const inFlight = await leasedRows(store, now, counts.inFlight);
    const byStage = Object.fromEntries(videoStageMachine.stages.map((s) => [s, counts.byStage[s] ?? 0]));
    for (const [s, n] of Object.entries(counts.byStage)) if (!(s in byStage)) byStage[s] = n;
    const described = workers.map((w) => ({ ...w, state: workerState(w, now) }));
    const schedulers = described.filter((w) => w.kind === "scheduler");
    const runners = described.filter((w) => w.kind !== "scheduler");

    if (this.json) {
      this.printJson({
        at: now,
        database: this.target.display,
        workers: runners,
        schedulers,
        counts: { byStage, inFlight: counts.inFlight, leaseExpired: counts.leaseExpired },
        inFlight: inFlight.map((r) => ({
          id: r.id,
          sourceId: r.sourceId,
          stage: r.stage,
          leaseOwner: r.leaseOwner,
          leaseExpiresAt: r.leaseExpiresAt,
          attempts: r.attempts,
        })),
      });
      return 0;
    }

    const ago = (d: Date) => `${formatDuration(now.getTime() - d.getTime())} ago`;
    const workerTable = (list: typeof described) =>
      formatTable(
        ["id", "host", "pid", "started", "last heartbeat", "in flight", "draining", "state"],
        list.map((w) => [
          w.id,
          w.host,
          w.pid,
          formatTime(w.startedAt),
          ago(w.lastHeartbeatAt),
          w.inFlight,
          w.draining,
          w.state,
        ]),
      );
    this.print(`database: ${this.target.location}`);
    this.print();
    this.print(`workers: ${plural(runners.filter((w) => w.state !== "stopped").length, "running worker")}`);
    if (runners.length > 0) this.print(workerTable(runners));
    this.print();
    if (schedulers.length === 0) {
      this.print("scheduler: none registered (recovery then runs only inside workers and by hand)");
    } else {
      const live = schedulers.filter((s) => s.state === "running" || s.state === "draining");
      this.print(
        `scheduler: ${live.length > 0 ? "running" : "NOT running"} (silent after ${formatDuration(HEALTH_DEFAULTS.schedulerStaleAfterMs)})`,
      );
      this.print(workerTable(schedulers));
    }
    this.print();
    this.print("rows per stage:");
    this.print(
      formatTable(
        ["stage", "rows"],
        Object.entries(byStage).map(([s, n]) => [s, n]),
      ),
    );
    this.print(`in flight: ${counts.inFlight}, lease expired (stuck): ${counts.leaseExpired}`);
    if (inFlight.length > 0) {
      this.print(
        formatTable(
          ["id", "source id", "stage", "held by", "lease ends in", "attempts"],
          inFlight.map((r) => [
            r.id,
            shortId(r.sourceId),
            r.stage,
            r.leaseOwner,
            formatDuration((r.leaseExpiresAt?.getTime() ?? 0) - now.getTime()),
            r.attempts,
          ]),
        ),
      );
    }
    return 0;
  }
}

/**
 * The rows that hold a live lease. The store has no query for exactly that, so this pages
 * through the non-terminal stages and stops as soon as it has found as many as taskCounts
 * reported: cheap when nothing is in flight, bounded by the backlog otherwise.
 */
async function leasedRows(store: TaskStore, now: Date, expected: number): Promise<TaskRow[]> {
  const found: TaskRow[] = [];
  if (expected === 0) return found;
  for (const stage of videoStageMachine.stages.filter((s) => !videoStageMachine.isTerminal(s))) {
    let afterId: number | undefined;
    for (;;) {
      const page = await store.taskList({ stage, limit: 500, ...(afterId !== undefined ? { afterId } : {}) });
      found.push(...page.filter((r) => r.leaseOwner && r.leaseExpiresAt && r.leaseExpiresAt > now));
      if (found.length >= expected || page.length < 500) break;
      afterId = page[page.length - 1]?.id;
    }
    if (found.length >= expected) break;
  }
  return found;
}
