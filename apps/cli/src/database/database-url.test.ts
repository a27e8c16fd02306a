import { describe, expect, it } from "vitest";
import { DatabaseUrlError, resolveDatabase, scrub } from "./database-url.js";

describe("resolveDatabase", () => {
  it("defaults to ./holdfast.db, made absolute against the working directory", () => {
    const t = resolveDatabase(undefined, "/srv/app");
    expect(t).toMatchObject({
      dialect: "sqlite",
      url: "/srv/app/holdfast.db",
      location: "/srv/app/holdfast.db",
    });
    expect(resolveDatabase("  ", "/srv/app").url).toBe("/srv/app/holdfast.db");
  });

  it("reads SQLite paths and sqlite: / file: URLs", () => {
    expect(resolveDatabase("data/x.db", "/srv").url).toBe("/srv/data/x.db");
    expect(resolveDatabase("sqlite:data/x.db", "/srv").url).toBe("/srv/data/x.db");
    expect(resolveDatabase("sqlite:///var/lib/x.db", "/srv").url).toBe("/var/lib/x.db");
    expect(resolveDatabase("file:///var/lib/x.db", "/srv").url).toBe("/var/lib/x.db");
  });

  it("never shows a Postgres password, but names user, host, port and database", () => {
    const t = resolveDatabase("postgres://app:s3cr%40t-pw@db.internal:6543/videos?sslmode=require");
    expect(t.dialect).toBe("postgres");
    expect(t.url).toContain("s3cr%40t-pw");
    expect(t.display).not.toContain("s3cr");
    expect(t.location).toBe("postgres app@db.internal:6543/videos");
    expect(t.location).not.toContain("s3cr");
  });

  it("hides secret query parameters too", () => {
    const t = resolveDatabase("postgresql://app@db/videos?password=hunter22&sslmode=require");
    expect(t.display).not.toContain("hunter22");
    expect(scrub("auth failed for hunter22", t)).toBe("auth failed for ***");
  });

  it("takes ?schema= out of the driver's URL and keeps it apart", () => {
    const t = resolveDatabase("postgres://postgres@127.0.0.1:5432/test?schema=hf_run_1");
    expect(t.schema).toBe("hf_run_1");
    expect(t.url).not.toContain("schema=");
    expect(t.location).toContain("(schema hf_run_1)");
    expect(() => resolveDatabase("postgres://h/db?schema=x;drop")).toThrow(DatabaseUrlError);
  });

  it("scrubs the password and the full URL out of driver messages", () => {
    const t = resolveDatabase("postgres://app:topsecret@db:5432/videos");
    const message = `connect ECONNREFUSED for ${t.url} (password topsecret)`;
    const clean = scrub(message, t);
    expect(clean).not.toContain("topsecret");
    expect(clean).toContain("db:5432");
  });

  it("rejects other URL schemes without echoing the value", () => {
    expect(() => resolveDatabase("mysql://root:pw@h/db")).toThrow(/unsupported database URL scheme "mysql"/);
    try {
      resolveDatabase("mysql://root:pw@h/db");
    } catch (err) {
      expect((err as Error).message).not.toContain("pw");
    }
  });
});
