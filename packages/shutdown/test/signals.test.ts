/**
 * Real processes, real signals: each fixture in test/fixtures imports the built package by
 * name, prints JSON lines, and the test sends SIGTERM only after the event it needs. No
 * sleeps and no timed assertions: the order of events and the exit code are the contract.
 */
import { afterEach, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../src/exit-codes.js";
import { Fixture } from "./helpers/child.js";

const started: Fixture[] = [];
function run(name: string, env?: Record<string, string>): Fixture {
  const f = new Fixture(name, env);
  started.push(f);
  return f;
}
afterEach(() => {
  for (const f of started.splice(0)) f.cleanup();
});

describe("a real process under SIGTERM", () => {
  it("exits 0 at once when idle, after its hooks, with its listeners gone", async () => {
    const child = run("idle.mjs");
    await child.next("ready");
    child.kill("SIGTERM");
    const { code } = await child.exited;
    expect(code, child.transcript()).toBe(EXIT_CODES.ok);
    expect(child.names()).toEqual(["ready", "hook:close-db", "exiting"]);
    expect(child.events[1]).toMatchObject({ reason: "SIGTERM" });
    expect(child.events[2]).toMatchObject({ sigtermListeners: 0 });
  });

  it("treats SIGINT the same way", async () => {
    const child = run("idle.mjs");
    await child.next("ready");
    child.kill("SIGINT");
    expect((await child.exited).code, child.transcript()).toBe(EXIT_CODES.ok);
    expect(child.events[1]).toMatchObject({ event: "hook", reason: "SIGINT" });
  });

  it("lets in-flight work finish (incl. work tracked while draining), counts it, then runs hooks: exit 0", async () => {
    const child = run("in-flight.mjs");
    expect(await child.next("ready")).toMatchObject({ inFlight: 3 });
    child.kill("SIGTERM");
    const { code } = await child.exited;
    expect(code, child.transcript()).toBe(EXIT_CODES.ok);
    expect(child.events.filter((e) => e.event === "work-done").map((e) => e.n)).toEqual([1, 2, 3, 4]);
    expect(child.names().slice(-2)).toEqual(["hook:close-db", "exiting"]);
    expect(child.events.at(-2)).toMatchObject({ done: 4 });
    expect(child.events.at(-1)).toMatchObject({ code: 0, done: 4, inFlight: 0 });
  });

  it("aborts work when the grace period runs out, lets it release, runs hooks: exit 75", async () => {
    // The work waits on a promise with no handle: only the ref'd grace timer keeps the
    // process alive until the deadline (an unref'd one would let Node exit 0 mid-stop).
    const child = run("deadline.mjs", { GRACE_MS: "200" });
    await child.next("ready");
    child.kill("SIGTERM");
    const { code } = await child.exited;
    expect(code, child.transcript()).toBe(EXIT_CODES.deadline);
    expect(child.names()).toEqual(["ready", "stopping", "aborted", "released", "hook:close-db", "exiting"]);
    expect(child.events[2]).toMatchObject({ reason: "DeadlineReachedError", forced: false });
    expect(child.events[4]).toMatchObject({ deadlineReached: true });
    expect(child.events[5]).toMatchObject({ code: 75, inFlight: 0 });
  });

  it("skips the wait on a second SIGTERM: release code runs, exit 75", async () => {
    const child = run("deadline.mjs", { GRACE_MS: "600000" });
    await child.next("ready");
    child.kill("SIGTERM");
    await child.next("stopping");
    child.kill("SIGTERM");
    const { code } = await child.exited;
    expect(code, child.transcript()).toBe(EXIT_CODES.deadline);
    expect(child.names()).toEqual(["ready", "stopping", "aborted", "released", "hook:close-db", "exiting"]);
    expect(child.events[2]).toMatchObject({ forced: true });
  });

  it("runs hooks in order; a throwing and a hanging hook do not stop the next: exit 70", async () => {
    const child = run("hooks.mjs");
    await child.next("ready");
    child.kill("SIGTERM");
    const { code } = await child.exited;
    expect(code, child.transcript()).toBe(EXIT_CODES.hookFailed);
    expect(child.names()).toEqual([
      "ready",
      "hook:stop-http",
      "hook:flush-metrics",
      "hook:release-locks",
      "hook:close-db",
      "exiting",
    ]);
  });

  it("stops from code with a reason, once, and removes its listeners: exit 0", async () => {
    const child = run("stop-from-code.mjs");
    const { code } = await child.exited;
    expect(code, child.transcript()).toBe(EXIT_CODES.ok);
    expect(child.names()).toEqual(["work-done", "stop-called", "hook:close-db", "exiting"]);
    expect(child.events[1]).toMatchObject({ same: true, stopping: true });
    expect(child.events[2]).toMatchObject({ reason: "drain requested" });
    expect(child.events[3]).toMatchObject({ sigtermListeners: 0, before: 0 });
  });
});

describe("a signal that comes while the program is still loading", () => {
  it("is recorded by the binary and taken over by createShutdown: a graceful stop, exit 0", async () => {
    const child = run("early-signal.mjs");
    await child.next("ready");
    child.kill("SIGTERM");
    const { code } = await child.exited;
    expect(code, child.transcript()).toBe(EXIT_CODES.ok);
    expect(child.names()).toEqual(["ready", "recorded", "hook:close-db", "exiting"]);
    expect(child.events[2]).toMatchObject({ reason: "SIGTERM" });
    expect(child.events[3]).toMatchObject({ sigtermListeners: 0 });
  });

  it("is re-raised with Node's default handling by a program that handles no signals", async () => {
    const child = run("early-signal.mjs", { MODE: "release" });
    await child.next("ready");
    child.kill("SIGTERM");
    const { signal } = await child.exited;
    expect(signal, child.transcript()).toBe("SIGTERM");
  });
});
