import { ConfigError } from "@holdfast/core";
import { describe, expect, it } from "vitest";
import { openStore, parseStoreUrl } from "./open-store.js";
import { redactUrl } from "./redact-url.js";

describe("parseStoreUrl", () => {
  it.each([
    ["postgres://u:p@db:5432/app", { dialect: "postgres", url: "postgres://u:p@db:5432/app" }],
    ["postgresql://db/app", { dialect: "postgres", url: "postgresql://db/app" }],
    ["sqlite:data/holdfast.db", { dialect: "sqlite", path: "data/holdfast.db" }],
    ["file:holdfast.db", { dialect: "sqlite", path: "holdfast.db" }],
    ["file:///var/lib/holdfast.db", { dialect: "sqlite", path: "/var/lib/holdfast.db" }],
    ["./holdfast.db", { dialect: "sqlite", path: "./holdfast.db" }],
    [":memory:", { dialect: "sqlite", path: ":memory:" }],
  ])("%s", (url, kind) => {
    expect(parseStoreUrl(url)).toEqual(kind);
  });

  it("refuses an empty URL, a scheme it does not know and a sqlite: URL with no path", () => {
    expect(() => parseStoreUrl("  ")).toThrow(ConfigError);
    expect(() => parseStoreUrl("sqlite:")).toThrow(/no SQLite file path/);
    const err = (() => {
      try {
        parseStoreUrl("mysql://root:hunter2@db/app");
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err?.message).toContain("mysql://root:***@db/app");
    expect(err?.message).not.toContain("hunter2");
  });
});

describe("redactUrl", () => {
  it("hides the password and secret query values, and leaves paths alone", () => {
    expect(redactUrl("postgres://app:s3cret@db.internal:5432/prod?sslmode=require&sslpassword=x")).toBe(
      "postgres://app:***@db.internal:5432/prod?sslmode=require&sslpassword=***",
    );
    expect(redactUrl("postgres://db.internal/prod")).toBe("postgres://db.internal/prod");
    expect(redactUrl("data/holdfast.db")).toBe("data/holdfast.db");
  });
});

describe("openStore on a database it cannot reach", () => {
  it("Postgres: a ConfigError naming the host, never the password", async () => {
    // Port 1 on loopback: refused at once, no server and no timeout needed.
    const err = await openStore({ url: "postgres://app:s3cret@127.0.0.1:1/prod" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(
      /cannot connect to PostgreSQL at postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/prod/,
    );
    expect((err as Error).message).not.toContain("s3cret");
  });

  it("SQLite: a ConfigError naming the file", async () => {
    const err = await openStore({ url: "sqlite:/nonexistent-dir/holdfast.db" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain("/nonexistent-dir/holdfast.db");
  });

  it("a Postgres schema name that is not a plain identifier is refused before connecting", async () => {
    await expect(
      openStore({ url: "postgres://127.0.0.1:1/x", postgresSchema: "x; DROP TABLE videos" }),
    ).rejects.toThrow(/schema name/);
  });
});
