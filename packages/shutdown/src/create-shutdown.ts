/**
 * The graceful-stop coordinator. A stop goes through these phases, once per coordinator:
 *
 * 1. begin     First signal (or `stop(reason)`): start the grace timer BEFORE any user code
 *              runs (abort listeners and hooks may block the event loop, and the deadline
 *              must still come), then abort `signal`: loops stop taking new work.
 * 2. drain     Wait for tracked work to settle (work tracked meanwhile too), until the grace
 *              timer fires or a second signal comes (`forced`). After a stop begun by
 *              `stop()`, the first signal only confirms it; the next one forces.
 * 3. deadline  (only if work was still running) Abort `deadlineSignal`; give the aborted work
 *              up to `settleMs` to run its release code (give leases back). Another signal
 *              during this wait ends it too.
 * 4. hooks     Run the named hooks in order, each time-limited; failures are logged and the
 *              next hook still runs.
 * 5. exit      Call `exit` once: EXIT_CODES.deadline if work was aborted, else hookFailed if a
 *              hook failed, else ok. Signals arriving after phase 3 are logged and ignored:
 *              every remaining step is already time-limited.
 *
 * Timers exist only during a stop. They are ref'd, so a stop whose work waits on a promise
 * that holds no handle cannot end by Node running out of things to do (exit 0 mid-stop), and
 * each is cleared the moment its phase ends, so nothing keeps a finished process alive; an
 * idle process goes from 1 to 5 at once. Signal listeners stay through the hooks (a late
 * signal must not kill the process with the default action) and are removed once the stop
 * is complete, just before `exit`, or by `dispose()`.
 */

import { takeEarlySignals } from "./early-signals.js";
import { DeadlineReachedError, DuplicateHookError, StopRequestedError } from "./errors.js";
import { EXIT_CODES } from "./exit-codes.js";
import { InFlight } from "./in-flight.js";
import { checkDelay, resolveOptions } from "./options.js";
import { type RegisteredHook, runHooks } from "./run-hooks.js";
import { startTimer } from "./timers.js";
import type { Shutdown, ShutdownOptions, ShutdownOutcome, StopHook, StopHookOptions } from "./types.js";

type Phase = "running" | "draining" | "settling" | "hooks" | "done";

export function createShutdown(options: ShutdownOptions = {}): Shutdown {
  const o = resolveOptions(options);
  const stopping = new AbortController();
  const deadline = new AbortController();
  const work = new InFlight();
  const hooks: RegisteredHook[] = [];
  let phase: Phase = "running";
  let outcome: Promise<ShutdownOutcome> | undefined;
  let forced = false;
  // Resolves the current wait (drain or settle) early: the deadline or a later signal.
  let wakeDeadline: () => void = () => {};
  let wakeSettle: () => void = () => {};
  const deadlineReached = new Promise<void>((resolve) => {
    wakeDeadline = resolve;
  });

  function reachDeadline(trigger: string, byForce: boolean): void {
    if (deadline.signal.aborted) return;
    forced = byForce;
    o.logger.warn(
      { trigger, inFlight: work.count },
      "shutdown deadline: aborting work in flight so it releases what it holds",
    );
    deadline.abort(new DeadlineReachedError(trigger, byForce));
    wakeDeadline();
  }

  // One listener per signal, bound to its name, so the source need not pass the name along.
  const listeners = o.signals.map((sig) => {
    const listener = () => onSignal(sig);
    o.signalSource.on(sig, listener);
    return [sig, listener] as const;
  });
  // Signals caught by the binary's recorder before this coordinator existed are replayed
  // once the caller has had the chance to register its work and hooks (a microtask later).
  if (o.signalSource === process && o.signals.length > 0) {
    const early = takeEarlySignals().filter((sig) => o.signals.includes(sig));
    if (early.length > 0)
      queueMicrotask(() => {
        for (const sig of early) onSignal(sig);
      });
  }
  let disposed = false;
  function dispose(): void {
    if (disposed) return;
    disposed = true;
    for (const [sig, listener] of listeners) o.signalSource.off(sig, listener);
  }

  let signalsSeen = 0;
  function onSignal(sig: NodeJS.Signals): void {
    signalsSeen += 1;
    if (phase === "running") {
      stop(sig).catch((err: unknown) => o.logger.error({ err }, "shutdown failed"));
    } else if (signalsSeen === 1 && (phase === "draining" || phase === "settling")) {
      // The stop began in code (a drain request); this is the process manager's ordinary
      // "please stop", already being honoured. Only a second signal means "do not wait".
      o.logger.info({ signal: sig, phase }, "already stopping; a second signal skips the wait");
    } else if (phase === "draining") {
      reachDeadline(`second ${sig}`, true);
    } else if (phase === "settling") {
      o.logger.warn(
        { signal: sig, inFlight: work.count },
        "another signal: not waiting for release code any longer",
      );
      forced = true;
      wakeSettle();
    } else {
      o.logger.info({ signal: sig, phase }, "already closing; every remaining step is time-limited");
    }
  }

  async function run(reason: string): Promise<ShutdownOutcome> {
    const startedAt = o.timers.now();
    phase = "draining";
    // First, before any user code: abort listeners below may block the event loop.
    const grace = startTimer(o.timers, () => reachDeadline("grace period over", false), o.gracePeriodMs);
    o.logger.info(
      { reason, inFlight: work.count, gracePeriodMs: o.gracePeriodMs },
      "stopping: taking no new work, waiting for work in flight",
    );
    stopping.abort(new StopRequestedError(reason));

    await Promise.race([work.drained(), deadlineReached]);
    o.timers.clearTimeout(grace);

    if (deadline.signal.aborted && work.count > 0) {
      phase = "settling";
      const settled = new Promise<void>((resolve) => {
        wakeSettle = resolve;
      });
      const settle = startTimer(o.timers, () => wakeSettle(), o.settleMs);
      await Promise.race([work.drained(), settled]);
      o.timers.clearTimeout(settle);
    }
    const abandoned = work.count;
    if (abandoned > 0) {
      o.logger.error({ abandoned }, "work still running after the settle time; closing anyway");
    }

    phase = "hooks";
    const hookFailures = await runHooks(
      hooks,
      { reason, deadlineReached: deadline.signal.aborted },
      { timers: o.timers, logger: o.logger },
    );

    phase = "done";
    const exitCode = deadline.signal.aborted
      ? EXIT_CODES.deadline
      : hookFailures.length > 0
        ? EXIT_CODES.hookFailed
        : EXIT_CODES.ok;
    const result: ShutdownOutcome = Object.freeze({
      reason,
      exitCode,
      deadlineReached: deadline.signal.aborted,
      forced,
      hookFailures,
      abandoned,
      durationMs: Math.round(o.timers.now() - startedAt),
    });
    o.logger.info({ ...result }, "stopped");
    // From here on a signal gets Node's default handling again (and nothing is left attached).
    dispose();
    o.exit(exitCode);
    return result;
  }

  function stop(reason = "stop requested"): Promise<ShutdownOutcome> {
    // The first call decides; every later call (or signal) gets the same outcome. The
    // outcome is recorded BEFORE run() starts: run() aborts `signal` synchronously, and an
    // abort listener that calls stop() again must find the stop already under way.
    if (outcome) return outcome;
    let settle!: { resolve: (o: ShutdownOutcome) => void; reject: (e: unknown) => void };
    outcome = new Promise<ShutdownOutcome>((resolve, reject) => {
      settle = { resolve, reject };
    });
    run(reason).then(settle.resolve, settle.reject);
    return outcome;
  }

  return {
    signal: stopping.signal,
    deadlineSignal: deadline.signal,
    get stopping() {
      return phase !== "running";
    },
    get inFlight() {
      return work.count;
    },
    track<T>(w: PromiseLike<T> | ((deadline: AbortSignal) => PromiseLike<T>)): Promise<T> {
      let promise: Promise<T>;
      try {
        promise = Promise.resolve(typeof w === "function" ? w(deadline.signal) : w);
      } catch (error) {
        promise = Promise.reject(error);
      }
      if (phase === "hooks" || phase === "done") {
        o.logger.warn({ phase }, "work tracked after the drain ended: the stop will not wait for it");
      }
      return work.add(promise);
    },
    onStop(name: string, fn: StopHook, opts: StopHookOptions = {}): void {
      if (hooks.some((h) => h.name === name)) throw new DuplicateHookError(name);
      const timeoutMs = checkDelay(`onStop("${name}").timeoutMs`, opts.timeoutMs ?? o.hookTimeoutMs);
      hooks.push({ name, fn, timeoutMs });
    },
    stop,
    dispose,
  };
}
