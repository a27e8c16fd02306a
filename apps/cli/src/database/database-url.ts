import { isAbsolute, resolve } from "node:path";
import { CLI_DEFAULTS } from "../defaults.js";

/** Where the CLI's data lives, resolved once from --db / DATABASE_URL. */
export interface DatabaseTarget {
  dialect: "sqlite" | "postgres";
  /** What @holdfast/db's openStore receives. Contains the password, if any: never print it. */
  url: string;
  /** Safe to print: no password, no secret query parameters. */
  display: string;
  /** Names where it is (host and port, or the file), for "cannot reach …" messages. */
  location: string;
  /** The values to scrub from any error text that might echo the URL. */
  secrets: string[];
  /**
   * Postgres only: the schema holdfast's tables live in, from the URL's `?schema=` parameter
   * (the convention Prisma and others use). One database can then host several installations,
   * and each test run gets its own.
   */
  schema?: string;
}

const SECRET_PARAMS = ["password", "sslpassword", "sslkey", "pass", "token"];
const REDACTED = "***";

/**
 * Reads the database the user chose: a postgres:// URL, a `sqlite:` URL, or a file path
 * (the default). A relative SQLite path is made absolute against `cwd` so that messages,
 * child processes (`demo`) and the store all agree on one file.
 */
export function resolveDatabase(value: string | undefined, cwd = process.cwd()): DatabaseTarget {
  const raw = value?.trim() || CLI_DEFAULTS.database;
  if (/^postgres(ql)?:\/\//i.test(raw)) return postgresTarget(raw);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) && !/^sqlite:/i.test(raw) && !/^file:/i.test(raw)) {
    throw new DatabaseUrlError(
      `unsupported database URL scheme "${raw.slice(0, raw.indexOf(":"))}": use postgres://… or a SQLite file path`,
    );
  }
  const path = sqlitePath(raw);
  if (path === ":memory:") {
    return { dialect: "sqlite", url: path, display: "sqlite :memory:", location: ":memory:", secrets: [] };
  }
  const file = isAbsolute(path) ? path : resolve(cwd, path);
  return { dialect: "sqlite", url: file, display: `sqlite ${file}`, location: file, secrets: [] };
}

function sqlitePath(raw: string): string {
  // sqlite:relative.db, sqlite:///abs/file.db, sqlite://./x.db and file: URLs all name a file.
  const m = /^(sqlite|file):(\/\/)?(.*)$/i.exec(raw);
  if (!m) return raw;
  const rest = m[3] ?? "";
  if (m[2] && rest.startsWith("/")) return rest;
  return rest || CLI_DEFAULTS.database;
}

function postgresTarget(raw: string): DatabaseTarget {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    // Never echo the value: a malformed URL may still contain the password.
    throw new DatabaseUrlError("the database URL is not a valid postgres:// URL");
  }
  const secrets: string[] = [];
  // pg would pass an unknown parameter on to the server, which rejects it: take it out.
  const schema = parsed.searchParams.get("schema") ?? undefined;
  const forDriver = new URL(raw);
  forDriver.searchParams.delete("schema");
  parsed.searchParams.delete("schema");
  if (schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/.test(schema)) {
    throw new DatabaseUrlError(`the schema in the database URL is not a plain SQL identifier: "${schema}"`);
  }
  if (parsed.password) {
    secrets.push(parsed.password, decodeURIComponent(parsed.password));
    parsed.password = REDACTED;
  }
  for (const key of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAMS.includes(key.toLowerCase())) {
      const v = parsed.searchParams.get(key);
      if (v) secrets.push(v);
      parsed.searchParams.set(key, REDACTED);
    }
  }
  const host = parsed.hostname || parsed.searchParams.get("host") || "localhost";
  const port = parsed.port || "5432";
  const db = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || "(default database)";
  const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : "";
  return {
    dialect: "postgres",
    url: forDriver.toString(),
    display: schema ? `${parsed.toString()}${parsed.search ? "&" : "?"}schema=${schema}` : parsed.toString(),
    location: `postgres ${user}${host}:${port}/${db}${schema ? ` (schema ${schema})` : ""}`,
    secrets: [...new Set(secrets.filter((s) => s.length > 0))],
    ...(schema ? { schema } : {}),
  };
}

/** Removes every secret of the target from a message (driver errors may echo the URL). */
export function scrub(message: string, target: Pick<DatabaseTarget, "secrets" | "url" | "display">): string {
  let out = message.split(target.url).join(target.display);
  // A one- or two-letter secret would garble every word; the whole URL is replaced above anyway.
  for (const secret of target.secrets) if (secret.length >= 3) out = out.split(secret).join(REDACTED);
  return out;
}

/** A --db / DATABASE_URL value that cannot name a database. */
export class DatabaseUrlError extends Error {
  override name = "DatabaseUrlError";
}
