import { mkdir, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError } from "@holdfast/core";
import { describe, expect, it } from "vitest";
import { InboxEscapeError, InvalidVideoError } from "../src/errors.js";
import { Inbox } from "../src/inbox/inbox.js";
import { tempDir, workspace } from "./helpers.js";

describe("Inbox", () => {
  it("finds a file by a path relative to the inbox, or absolute inside it", async () => {
    const ws = await workspace(["tiny.mov"]);
    const inbox = Inbox.open(ws.inbox);
    expect((await inbox.find("tiny.mov"))?.stats.size).toBeGreaterThan(0);
    expect((await inbox.find(join(ws.inbox, "tiny.mov")))?.path).toBe(join(ws.inbox, "tiny.mov"));
    expect(await inbox.find("./sub/../tiny.mov")).not.toBeNull();
  });

  it("returns null for a file that is not there", async () => {
    const ws = await workspace();
    expect(await Inbox.open(ws.inbox).find("gone.mp4")).toBeNull();
  });

  it("refuses ../ escapes, absolute paths elsewhere, and the inbox itself", async () => {
    const ws = await workspace();
    await writeFile(join(ws.root, "secret.mp4"), "outside");
    const inbox = Inbox.open(ws.inbox);
    await expect(inbox.find("../secret.mp4")).rejects.toBeInstanceOf(InboxEscapeError);
    await expect(inbox.find("a/../../secret.mp4")).rejects.toThrow(/outside the inbox/);
    await expect(inbox.find(join(ws.root, "secret.mp4"))).rejects.toBeInstanceOf(InboxEscapeError);
    await expect(inbox.find("/etc/passwd")).rejects.toBeInstanceOf(InboxEscapeError);
    await expect(inbox.find(".")).rejects.toBeInstanceOf(InboxEscapeError);
    await expect(inbox.find("x\0.mp4")).rejects.toThrow(/NUL/);
  });

  it("accepts names that merely start with two dots", async () => {
    const ws = await workspace();
    await writeFile(join(ws.inbox, "..video.mp4"), "x");
    expect(await Inbox.open(ws.inbox).find("..video.mp4")).not.toBeNull();
  });

  it("refuses a symlink that leads out, follows one that stays in", async () => {
    const ws = await workspace(["tiny.mov"]);
    await writeFile(join(ws.root, "secret.mp4"), "outside");
    await symlink(join(ws.root, "secret.mp4"), join(ws.inbox, "link-out.mp4"));
    await symlink(join(ws.inbox, "tiny.mov"), join(ws.inbox, "link-in.mov"));
    await mkdir(join(ws.root, "elsewhere"));
    await writeFile(join(ws.root, "elsewhere", "v.mp4"), "x");
    await symlink(join(ws.root, "elsewhere"), join(ws.inbox, "dir-out"));
    const inbox = Inbox.open(ws.inbox);
    await expect(inbox.find("link-out.mp4")).rejects.toThrow(/symlink leads outside the inbox/);
    await expect(inbox.find("dir-out/v.mp4")).rejects.toBeInstanceOf(InboxEscapeError);
    expect((await inbox.find("link-in.mov"))?.realPath).toBe(join(Inbox.open(ws.inbox).realDir, "tiny.mov"));
  });

  it("works when the inbox itself is reached through a symlink", async () => {
    const ws = await workspace(["tiny.mov"]);
    const alias = join(ws.root, "inbox-alias");
    await symlink(ws.inbox, alias);
    const inbox = Inbox.open(alias);
    expect(await inbox.find(join(alias, "tiny.mov"))).not.toBeNull();
    expect(await inbox.find(join(ws.inbox, "tiny.mov"))).not.toBeNull();
  });

  it("refuses a directory as a video", async () => {
    const ws = await workspace();
    await mkdir(join(ws.inbox, "folder.mp4"));
    await expect(Inbox.open(ws.inbox).find("folder.mp4")).rejects.toBeInstanceOf(InvalidVideoError);
  });

  it("deletes only the same file it found", async () => {
    const ws = await workspace(["tiny.mov", "tiny-faststart.mp4"]);
    const inbox = Inbox.open(ws.inbox);
    const same = await inbox.find("tiny.mov");
    const changed = await inbox.find("tiny-faststart.mp4");
    if (!same || !changed) throw new Error("fixtures missing");
    await utimes(changed.realPath, new Date(), new Date(Date.now() + 5_000));
    expect(await inbox.remove(changed)).toBe("changed");
    expect(await inbox.find("tiny-faststart.mp4")).not.toBeNull();
    expect(await inbox.remove(same)).toBe("deleted");
    expect(await inbox.find("tiny.mov")).toBeNull();
    expect(await inbox.remove(same)).toBe("gone");
  });

  it("fails fast on a missing inbox", async () => {
    const root = await tempDir();
    expect(() => Inbox.open(join(root, "nope"))).toThrow(ConfigError);
  });
});
