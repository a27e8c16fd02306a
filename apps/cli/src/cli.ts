import { readFileSync } from "node:fs";
import { type BaseContext, Builtins, Cli } from "clipanion";
import { AnalyzeCommand } from "./commands/analyze.js";
import { CheckCommand } from "./commands/check.js";
import { DemoCommand } from "./commands/demo.js";
import { DrainCommand } from "./commands/drain.js";
import { HealthCommand } from "./commands/health.js";
import { ListCommand } from "./commands/list.js";
import { MigrateCommand } from "./commands/migrate.js";
import { RecoverCommand } from "./commands/recover.js";
import { ScheduleCommand } from "./commands/schedule.js";
import { ShowCommand } from "./commands/show.js";
import { VideosAddCommand } from "./commands/videos-add.js";
import { colorDepth } from "./output/colors.js";

const VERSION = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/** The commands, registered once: tests and main.ts build the same CLI. */
export function createCli(options: { enableColors?: boolean } = {}): Cli<BaseContext> {
  const cli = new Cli<BaseContext>({
    binaryLabel: "holdfast",
    binaryName: "holdfast",
    binaryVersion: VERSION,
    ...options,
  });
  for (const command of [
    MigrateCommand,
    VideosAddCommand,
    AnalyzeCommand,
    RecoverCommand,
    HealthCommand,
    CheckCommand,
    DrainCommand,
    ListCommand,
    ShowCommand,
    ScheduleCommand,
    DemoCommand,
    Builtins.HelpCommand,
    Builtins.VersionCommand,
  ]) {
    cli.register(command);
  }
  return cli;
}

/** Runs one command line and returns its exit code. */
export async function runCli(args: string[], context: Partial<BaseContext> = {}): Promise<number> {
  const stdout = context.stdout ?? process.stdout;
  const env = context.env ?? process.env;
  // clipanion's own detection ignores whether stdout is a terminal, and its general help
  // does not read the context: decide once, here, for every piece of output.
  const depth = colorDepth(stdout, env);
  return createCli({ enableColors: depth > 1 }).run(args, {
    stdin: process.stdin,
    stdout,
    stderr: process.stderr,
    env,
    ...context,
    colorDepth: depth,
  });
}
