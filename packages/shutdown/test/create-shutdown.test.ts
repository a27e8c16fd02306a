/**
 * The coordinator in-process: injected exit, an EventEmitter as the signal source and a
 * manual clock, so no test waits for time and none can kill the test runner.
 */
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import {
  createShutdown,
  DeadlineReachedError,
  DuplicateHookError,
  EXIT_CODES,
  HookTimeoutError,
  SHUTDOWN_DEFAULTS,
  ShutdownConfigError,
  type ShutdownOptions,
  StopRequestedError,
} from "../src/index.js";
import { deferred, flush, manualTimers } from "./helpers/manual-timers.js";

function setup(options: ShutdownOptions = {}) {
  const source = new EventEmitter();
  const clock = manualTimers();
  const exits: number[] = [];
  const exited = deferred<number>();
  const logs: Array<{ level: string; msg: string | undefined; obj: object }> = [];
  const log = (level: string) => (obj: object, msg?: string) => logs.push({ level, msg, obj });
  const shutdown = createShutdown({
    signalSource: source,
    timers: clock.timers,
    exit: (code) => {
      exits.push(code);
      exited.resolve(code);
    },
    logger: { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") },
    ...options,
  });
  return { shutdown, source, clock, exits, exited: exited.promise, logs };
}

describe("createShutdown", () => {
  it("has the documented defaults and exit codes", () => {
    expect(SHUTDOWN_DEFAULTS).toEqual({
      gracePeriodMs: 300_000,
      signals: ["SIGTERM", "SIGINT"],
      hookTimeoutMs: 10_000,
      settleMs: 2_000,
    });
    expect(EXIT_CODES).toEqual({ ok: 0, hookFailed: 70, deadline: 75 });
  });

  it("exits 0 at once when idle, clears every timer and removes its listeners", async () => {
    const { shutdown, source, clock, exits } = setup();
    expect(source.listenerCount("SIGTERM")).toBe(1);
    expect(source.listenerCount("SIGINT")).toBe(1);
    source.emit("SIGTERM");
    expect(shutdown.stopping).toBe(true);
    expect(shutdown.signal.aborted).toBe(true);
    expect(shutdown.signal.reason).toBeInstanceOf(StopRequestedError);
    const outcome = await shutdown.stop();
    expect(outcome).toMatchObject({
      reason: "SIGTERM",
      exitCode: 0,
      deadlineReached: false,
      forced: false,
      hookFailures: [],
      abandoned: 0,
    });
    expect(exits).toEqual([0]);
    expect(clock.pending()).toEqual([]);
    expect(source.listenerCount("SIGTERM")).toBe(0);
    expect(source.listenerCount("SIGINT")).toBe(0);
    expect(shutdown.deadlineSignal.aborted).toBe(false);
  });

  it("starts the grace timer before any user code runs", () => {
    const { shutdown, clock } = setup({ gracePeriodMs: 1_234 });
    let seen: number[] = [];
    shutdown.signal.addEventListener("abort", () => {
      seen = clock.pending();
    });
    void shutdown.stop();
    expect(seen).toEqual([1_234]);
  });

  it("waits for tracked work, including work tracked while draining, then runs hooks", async () => {
    const { shutdown, source, exits, exited } = setup();
    const order: string[] = [];
    const a = deferred();
    const b = deferred();
    void shutdown.track(a.promise.then(() => order.push("a")));
    shutdown.onStop("close-db", () => {
      order.push("hook");
    });
    source.emit("SIGTERM");
    void shutdown.track(() => b.promise.then(() => order.push("b")));
    expect(shutdown.inFlight).toBe(2);
    a.resolve();
    await Promise.resolve();
    expect(exits).toEqual([]);
    b.resolve();
    expect(await exited).toBe(EXIT_CODES.ok);
    expect(order).toEqual(["a", "b", "hook"]);
    expect(shutdown.inFlight).toBe(0);
  });

  it("returns the work's own result and rejection, and counts a rejection as finished", async () => {
    const { shutdown, exited } = setup();
    await expect(shutdown.track(Promise.resolve(42))).resolves.toBe(42);
    await expect(
      shutdown.track(() => {
        throw new Error("sync boom");
      }),
    ).rejects.toThrow("sync boom");
    await expect(shutdown.track(Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(shutdown.inFlight).toBe(0);
    void shutdown.stop();
    expect(await exited).toBe(0);
  });

  it("aborts deadlineSignal when the grace period runs out, gives work settleMs to release, exits 75", async () => {
    const { shutdown, clock, exited } = setup({ gracePeriodMs: 1_000, settleMs: 500 });
    const events: string[] = [];
    void shutdown.track(async (deadline) => {
      await new Promise((resolve) => deadline.addEventListener("abort", resolve));
      events.push("released");
    });
    shutdown.onStop("close-db", ({ deadlineReached }) => {
      events.push(`hook deadline=${deadlineReached}`);
    });
    const outcome = shutdown.stop("drain");
    clock.advance(999);
    expect(shutdown.deadlineSignal.aborted).toBe(false);
    clock.advance(1);
    expect(shutdown.deadlineSignal.aborted).toBe(true);
    expect(shutdown.deadlineSignal.reason).toBeInstanceOf(DeadlineReachedError);
    expect(await exited).toBe(EXIT_CODES.deadline);
    expect(events).toEqual(["released", "hook deadline=true"]);
    expect(await outcome).toMatchObject({ exitCode: 75, deadlineReached: true, forced: false, abandoned: 0 });
    expect(clock.pending()).toEqual([]);
  });

  it("goes on after settleMs when work ignores the deadline (abandoned)", async () => {
    const { shutdown, clock, exited } = setup({ gracePeriodMs: 1_000, settleMs: 500 });
    void shutdown.track(new Promise(() => {}));
    const outcome = shutdown.stop();
    clock.advance(1_000);
    await flush();
    expect(clock.pending()).toEqual([500]);
    clock.advance(500);
    expect(await exited).toBe(75);
    expect(await outcome).toMatchObject({ abandoned: 1, deadlineReached: true });
    expect(clock.pending()).toEqual([]);
  });

  it("skips the wait on a second signal (forced), and a third ends the settle wait", async () => {
    const { shutdown, source, clock, exited } = setup({ settleMs: 5_000 });
    void shutdown.track(new Promise(() => {}));
    source.emit("SIGTERM");
    expect(shutdown.deadlineSignal.aborted).toBe(false);
    source.emit("SIGINT");
    expect(shutdown.deadlineSignal.aborted).toBe(true);
    expect((shutdown.deadlineSignal.reason as DeadlineReachedError).forced).toBe(true);
    await flush();
    expect(clock.pending()).toEqual([5_000]);
    source.emit("SIGTERM");
    expect(await exited).toBe(75);
    expect(await shutdown.stop()).toMatchObject({ forced: true, abandoned: 1 });
    expect(clock.pending()).toEqual([]);
  });

  it("runs hooks in order; a throwing and a hanging hook are logged and the next still runs: exit 70", async () => {
    const { shutdown, clock, exited, logs } = setup({ hookTimeoutMs: 100 });
    const ran: string[] = [];
    const hanging = deferred();
    let hangSignal: AbortSignal | undefined;
    shutdown.onStop("stop-http", () => {
      ran.push("stop-http");
    });
    shutdown.onStop("flush", () => {
      ran.push("flush");
      throw new Error("flush failed");
    });
    shutdown.onStop(
      "locks",
      ({ signal }) => {
        ran.push("locks");
        hangSignal = signal;
        hanging.resolve();
        return new Promise(() => {});
      },
      { timeoutMs: 700 },
    );
    shutdown.onStop("close-db", async () => {
      ran.push("close-db");
    });
    const outcome = shutdown.stop();
    await hanging.promise;
    expect(clock.pending()).toEqual([700]);
    clock.advance(700);
    expect(hangSignal?.reason).toBeInstanceOf(HookTimeoutError);
    expect(await exited).toBe(EXIT_CODES.hookFailed);
    expect(ran).toEqual(["stop-http", "flush", "locks", "close-db"]);
    expect((await outcome).hookFailures).toEqual(["flush", "locks"]);
    expect(logs.filter((l) => l.level === "error").map((l) => (l.obj as { hook: string }).hook)).toEqual([
      "flush",
      "locks",
    ]);
    expect(clock.pending()).toEqual([]);
  });

  it("reports the deadline over a failed hook (75 wins over 70)", async () => {
    const { shutdown, clock, exited } = setup({ gracePeriodMs: 10, settleMs: 0 });
    void shutdown.track(new Promise(() => {}));
    shutdown.onStop("bad", () => Promise.reject(new Error("x")));
    const outcome = shutdown.stop();
    clock.advance(10);
    await flush();
    clock.advance(0);
    expect(await exited).toBe(75);
    expect((await outcome).hookFailures).toEqual(["bad"]);
  });

  it("never stops twice: stop() is idempotent and a signal does not restart it", async () => {
    const { shutdown, source, exits } = setup();
    let hookRuns = 0;
    shutdown.onStop("once", () => {
      hookRuns += 1;
    });
    const first = shutdown.stop("first");
    const second = shutdown.stop("second");
    source.emit("SIGTERM");
    expect(second).toBe(first);
    expect((await first).reason).toBe("first");
    expect(await shutdown.stop("third")).toBe(await first);
    expect(exits).toEqual([0]);
    expect(hookRuns).toBe(1);
  });

  it("never stops twice when an abort listener on `signal` calls stop() again", async () => {
    const { shutdown, exits } = setup();
    let hookRuns = 0;
    shutdown.onStop("once", () => {
      hookRuns += 1;
    });
    let inner: Promise<unknown> | undefined;
    shutdown.signal.addEventListener("abort", () => {
      inner = shutdown.stop("from a listener");
    });
    const outer = shutdown.stop("from code");
    expect(inner).toBe(outer);
    expect((await outer).reason).toBe("from code");
    expect(exits).toEqual([0]);
    expect(hookRuns).toBe(1);
  });

  it("after stop() from code, the first signal only confirms the stop; the second forces", async () => {
    const { shutdown, source, exited } = setup();
    void shutdown.track(new Promise(() => {}));
    const outcome = shutdown.stop("drain requested");
    source.emit("SIGTERM");
    expect(shutdown.deadlineSignal.aborted).toBe(false);
    source.emit("SIGTERM");
    expect(shutdown.deadlineSignal.aborted).toBe(true);
    await flush();
    source.emit("SIGTERM"); // ends the settle wait
    expect(await exited).toBe(75);
    expect(await outcome).toMatchObject({ reason: "drain requested", forced: true });
  });

  it("dispose() removes its listeners once; signals then do nothing", () => {
    const { shutdown, source, exits } = setup({ signals: ["SIGTERM", "SIGTERM", "SIGHUP"] });
    expect(source.listenerCount("SIGTERM")).toBe(1);
    expect(source.listenerCount("SIGHUP")).toBe(1);
    shutdown.dispose();
    shutdown.dispose();
    expect(source.listenerCount("SIGTERM")).toBe(0);
    expect(source.listenerCount("SIGHUP")).toBe(0);
    source.emit("SIGTERM");
    expect(shutdown.stopping).toBe(false);
    expect(exits).toEqual([]);
  });

  it("creating and disposing 100 coordinators on the real process leaves no listeners", () => {
    const before = ["SIGTERM", "SIGINT"].map((s) => process.listenerCount(s));
    for (let i = 0; i < 100; i++) createShutdown({ exit: () => {} }).dispose();
    expect(["SIGTERM", "SIGINT"].map((s) => process.listenerCount(s))).toEqual(before);
  });

  it("uses ref'd Node timers during a stop and clears them", async () => {
    const handles: NodeJS.Timeout[] = [];
    const exited = deferred<number>();
    const shutdown = createShutdown({
      signals: [],
      gracePeriodMs: 60_000,
      exit: exited.resolve,
      timers: {
        setTimeout(fn, ms) {
          const h = setTimeout(fn, ms);
          handles.push(h);
          return h;
        },
        clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
        now: () => performance.now(),
      },
    });
    const work = deferred();
    void shutdown.track(work.promise);
    void shutdown.stop();
    expect(handles).toHaveLength(1);
    expect(handles[0]?.hasRef()).toBe(true);
    work.resolve();
    expect(await exited.promise).toBe(0);
  });

  it("rejects invalid options and duplicate hook names with typed errors", () => {
    expect(() => createShutdown({ gracePeriodMs: -1 })).toThrow(ShutdownConfigError);
    expect(() => createShutdown({ settleMs: Number.NaN })).toThrow(ShutdownConfigError);
    expect(() => createShutdown({ hookTimeoutMs: 2 ** 31 })).toThrow(/hookTimeoutMs/);
    expect(() => createShutdown({ signals: ["TERM" as NodeJS.Signals] })).toThrow(ShutdownConfigError);
    const { shutdown } = setup();
    shutdown.onStop("db", () => {});
    expect(() => shutdown.onStop("db", () => {})).toThrow(DuplicateHookError);
    expect(() => shutdown.onStop("x", () => {}, { timeoutMs: -5 })).toThrow(ShutdownConfigError);
    shutdown.dispose();
  });
});
