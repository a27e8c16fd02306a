import { Command, Option } from "clipanion";
import { HoldfastCommand } from "./base-command.js";

export class MigrateCommand extends HoldfastCommand {
  static override paths = [["migrate"]];
  static override usage = Command.Usage({
    description: "create or upgrade the database schema",
    details: `
      Applies holdfast's committed migrations. Idempotent: running it on an up-to-date database changes nothing,
      so deploy scripts can run it before every start. Creates the SQLite file when it does not exist yet.
    `,
    examples: [
      ["Create the default SQLite database (./holdfast.db)", "$0 migrate"],
      ["Upgrade a Postgres database", "DATABASE_URL=postgres://holdfast@db:5432/holdfast $0 migrate"],
    ],
  });

  json = Option.Boolean("--json", false, { description: "Print the result as JSON" });

  protected async run(): Promise<number> {
    const store = await this.openStore({ create: true });
    await store.migrate();
    if (this.json) this.printJson({ migrated: true, dialect: store.dialect, database: this.target.display });
    else this.print(`schema up to date: ${this.target.location}`);
    return 0;
  }
}
