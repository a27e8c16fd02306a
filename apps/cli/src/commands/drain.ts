import { setTimeout as sleep } from "node:timers/promises";
import type { WorkerInfo } from "@holdfast/core";
import { Command, Option } from "clipanion";
import * as t from "typanion";
import { CLI_DEFAULTS } from "../defaults.js";
import { EXIT } from "../exit-codes.js";
import { plural } from "../output/format.js";
import { formatTable } from "../output/table.js";
import { workerState } from "../output/workers.js";
import { HoldfastCommand } from "./base-command.js";

export class DrainCommand extends HoldfastCommand {
  static override paths = [["drain"]];
  static override usage = Command.Usage({
    description: "ask every worker to stop after its current work",
    details: `
      Sets a drain flag in the database that every running worker reads with its next heartbeat (every lease-ttl/3,
      10 s by default): it stops claiming, finishes what it holds, and exits 0. Workers that start after the drain
      are not affected, so a deploy can start the new version at once.

      With \`--wait\`, blocks until every worker that was asked has stopped (or has gone silent, i.e. died: its rows are
      recovered from their expired leases), or exits ${EXIT.timedOut} after \`--timeout\` seconds.
    `,
    examples: [["In a deploy script, before restarting", "$0 drain --wait --timeout 330"]],
  });

  wait = Option.Boolean("--wait", false, { description: "Block until the drained workers have stopped" });
  timeout = Option.String("--timeout", String(CLI_DEFAULTS.drainTimeoutSeconds), {
    validator: t.cascade(t.isNumber(), [t.isAtLeast(0)]),
    description: `With --wait: give up after this many seconds, exit ${EXIT.timedOut} (default ${CLI_DEFAULTS.drainTimeoutSeconds}: a worker's grace plus margin)`,
  });
  json = Option.Boolean("--json", false, { description: "Print the result as JSON" });

  protected async run(): Promise<number> {
    const store = await this.openStore();
    const asked = await store.workerRequestDrain({ now: new Date() });
    // The scheduler daemon is registered too but runs no rows: deploys restart it on their own.
    const targets = (await store.workerList({})).filter((w) => w.draining && w.kind !== "scheduler");
    if (!this.json) this.print(`asked ${plural(asked, "worker")} to stop after the current work`);
    if (!this.wait) {
      if (this.json) this.printJson({ asked, workers: targets.map((w) => w.id) });
      return EXIT.ok;
    }

    const deadline = Date.now() + this.timeout * 1000;
    const ids = new Set(targets.map((w) => w.id));
    let remaining: WorkerInfo[] = targets;
    let lastReport = "";
    for (;;) {
      const now = new Date();
      const all = await store.workerList({ includeStopped: true });
      remaining = all.filter(
        (w) => ids.has(w.id) && (workerState(w, now) === "draining" || workerState(w, now) === "running"),
      );
      const inFlight = remaining.reduce((n, w) => n + w.inFlight, 0);
      const report = `${plural(remaining.length, "worker")} still running, ${inFlight} in flight`;
      if (!this.json && report !== lastReport && remaining.length > 0) this.print(`waiting: ${report}`);
      lastReport = report;
      if (remaining.length === 0 || Date.now() >= deadline) {
        const silent = all.filter((w) => ids.has(w.id) && workerState(w, now) === "silent");
        return this.finish(asked, remaining, silent);
      }
      // The workers report through the database on every heartbeat, so this polls the database.
      await sleep(CLI_DEFAULTS.drainPollMs);
    }
  }

  private finish(asked: number, remaining: WorkerInfo[], silent: WorkerInfo[]): number {
    const timedOut = remaining.length > 0;
    if (this.json) {
      this.printJson({
        asked,
        drained: !timedOut,
        stillRunning: remaining.map((w) => ({ id: w.id, host: w.host, pid: w.pid, inFlight: w.inFlight })),
        silent: silent.map((w) => ({ id: w.id, host: w.host, pid: w.pid })),
      });
    } else {
      if (silent.length > 0) {
        this.print(
          `${plural(silent.length, "worker")} stopped heartbeating without saying so (crashed?): their rows come back when the leases expire`,
        );
      }
      if (timedOut) {
        this.print(
          formatTable(
            ["id", "host", "pid", "in flight"],
            remaining.map((w) => [w.id, w.host, w.pid, w.inFlight]),
          ),
        );
        this.warn(
          `holdfast drain: timed out after ${this.timeout} s with ${plural(remaining.length, "worker")} still running`,
        );
      } else {
        this.print("drained: no asked worker is running");
      }
    }
    return timedOut ? EXIT.timedOut : EXIT.ok;
  }
}
