import type { TaskStore } from "@holdfast/core";
import { releaseEarlySignals } from "@holdfast/shutdown";
import { type BaseContext, Command, Option } from "clipanion";
import { type DatabaseTarget, DatabaseUrlError, resolveDatabase, scrub } from "../database/database-url.js";
import { isMissingSchema, type OpenDatabaseOptions, openDatabase } from "../database/open-database.js";
import { CLI_DEFAULTS } from "../defaults.js";
import { CliError, describeError } from "../errors.js";
import { EXIT } from "../exit-codes.js";
import { colorDepth, type Palette, palette } from "../output/colors.js";
import { toJson } from "../output/format.js";

/**
 * What every holdfast command shares: the --db option, opening and closing the store, and
 * turning any error into one clear line on stderr and a non-zero exit code, with every
 * secret of the database URL scrubbed. Subclasses implement `run()`.
 */
export abstract class HoldfastCommand extends Command<BaseContext> {
  db = Option.String("--db", {
    env: "DATABASE_URL",
    description: `Database: a SQLite file path (default ${CLI_DEFAULTS.database}) or a postgres:// URL; also read from DATABASE_URL`,
  });

  #stores: TaskStore[] = [];
  #target: DatabaseTarget | undefined;

  protected abstract run(): Promise<number>;

  /**
   * Commands that install their own graceful stop (analyze, schedule) take over the signals
   * the binary recorded while loading; every other command gives them back to Node's
   * default handling first, so `holdfast health` and friends can still be stopped.
   */
  protected readonly handlesSignals: boolean = false;

  async execute(): Promise<number> {
    if (!this.handlesSignals) releaseEarlySignals();
    try {
      return await this.run();
    } catch (err) {
      return this.fail(err);
    } finally {
      await Promise.all(this.#stores.map((s) => s.close().catch(() => {})));
      this.#stores = [];
    }
  }

  /** The database the user chose; throws a CliError for a value that cannot name one. */
  protected get target(): DatabaseTarget {
    if (!this.#target) {
      try {
        this.#target = resolveDatabase(this.db);
      } catch (err) {
        if (err instanceof DatabaseUrlError) throw new CliError(err.message);
        throw err;
      }
    }
    return this.#target;
  }

  /** Opens the store; it is closed when the command ends, whatever happens. */
  protected async openStore(options: OpenDatabaseOptions = {}): Promise<TaskStore> {
    const store = await openDatabase(this.target, options);
    this.#stores.push(store);
    return store;
  }

  /** Closes a store now (e.g. from a shutdown hook) instead of when the command ends. */
  protected async closeStore(store: TaskStore): Promise<void> {
    this.#stores = this.#stores.filter((s) => s !== store);
    await store.close();
  }

  protected get colors(): Palette {
    return palette(colorDepth(this.context.stdout, this.context.env));
  }

  protected get stdinIsTty(): boolean {
    return (this.context.stdin as { isTTY?: boolean }).isTTY === true;
  }

  protected get stdoutIsTty(): boolean {
    return (this.context.stdout as { isTTY?: boolean }).isTTY === true;
  }

  protected print(text = ""): void {
    this.context.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  protected printJson(value: unknown): void {
    this.context.stdout.write(toJson(value));
  }

  protected warn(text: string): void {
    this.context.stderr.write(`${text}\n`);
  }

  /** Writes the error on stderr and returns the exit code it deserves. */
  protected fail(err: unknown): number {
    const known = isMissingSchema(err)
      ? {
          exitCode: EXIT.failure,
          message: "the database has no holdfast tables yet: run `holdfast migrate` first",
          internal: false,
        }
      : describeError(err);
    let message = known.message;
    try {
      message = scrub(message, this.target);
    } catch {
      // The target itself was the bad input: its error message never contains the value.
    }
    const name = this.path.join(" ") || "holdfast";
    this.context.stderr.write(
      `${palette(colorDepth(this.context.stderr, this.context.env)).red("error")}: holdfast ${name}: ${message}\n`,
    );
    return known.exitCode;
  }
}
