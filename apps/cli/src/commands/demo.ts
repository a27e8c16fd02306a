import { join } from "node:path";
import { Command, Option } from "clipanion";
import { resolveDatabase } from "../database/database-url.js";
import { openDatabase } from "../database/open-database.js";
import { prepareDemoDirectory } from "../demo/demo-directory.js";
import { runDemo } from "../demo/demo-script.js";
import { HoldfastCommand } from "./base-command.js";

export class DemoCommand extends HoldfastCommand {
  static override paths = [["demo"]];
  static override usage = Command.Usage({
    description: "see holdfast survive a deploy and a crash, in under a minute",
    details: `
      Runs the whole story with real \`holdfast\` processes on the embedded default (a SQLite file, local storage, the
      offline analyzer and the bundled sample videos): registers videos, starts a worker and stops it with SIGTERM
      in the middle of the batch, kills another with SIGKILL mid-analysis, shows \`recover --dry-run\`, recovers,
      finishes every video and ends with \`health\` OK. Needs no account and no network.

      Everything is written to \`--dir\` (default ./demo), which is emptied first if an earlier demo made it.
    `,
    examples: [["Run the demo", "$0 demo"]],
  });

  // The demo always runs on its own SQLite file inside --dir: it takes no --db.
  override db = undefined;
  dir = Option.String("--dir", "./demo", {
    description: "Directory for the demo's database and files (default ./demo)",
  });

  protected async run(): Promise<number> {
    const dir = await prepareDemoDirectory(this.dir);
    const dbFile = join(dir, "holdfast.db");
    const env: NodeJS.ProcessEnv = { ...this.context.env };
    // The demo's own settings win over whatever this shell has configured.
    for (const key of Object.keys(env)) {
      if (key.startsWith("HOLDFAST_") || key === "DATABASE_URL" || key.startsWith("GEMINI_")) delete env[key];
    }
    Object.assign(env, {
      DATABASE_URL: dbFile,
      HOLDFAST_INBOX_DIR: join(dir, "inbox"),
      HOLDFAST_STORAGE: "local",
      HOLDFAST_STORAGE_DIR: join(dir, "storage"),
      HOLDFAST_ANALYZER: "offline",
    });
    await runDemo({
      dir,
      dbFile,
      env,
      colors: this.colors,
      out: (line) => this.print(line),
      openStore: () => openDatabase(resolveDatabase(dbFile)),
    });
    return 0;
  }
}
