import { ConfigError, HoldfastError } from "@holdfast/core";
import { EXIT, type ExitCode } from "./exit-codes.js";

/** A failure the CLI explains in one sentence, with the exit code it deserves. No stack trace. */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.failure,
  ) {
    super(message);
  }
}

/** The database could not be opened or reached. The message names where, never the password. */
export class DatabaseUnreachableError extends CliError {
  override name = "DatabaseUnreachableError";
  constructor(location: string, reason: string) {
    super(`cannot reach the database (${location}): ${reason}`, EXIT.databaseUnreachable);
  }
}

/** The exit code and the one-line message for any error a command let escape. */
export function describeError(err: unknown): { exitCode: ExitCode; message: string; internal: boolean } {
  if (err instanceof CliError) return { exitCode: err.exitCode, message: err.message, internal: false };
  // holdfast's own errors (bad configuration, illegal transitions, lost leases) already say
  // what went wrong in words; anything else is a bug worth a stack trace.
  if (err instanceof ConfigError || err instanceof HoldfastError) {
    return { exitCode: EXIT.failure, message: err.message, internal: false };
  }
  if (err instanceof Error)
    return { exitCode: EXIT.failure, message: err.stack ?? err.message, internal: true };
  return { exitCode: EXIT.failure, message: String(err), internal: true };
}
