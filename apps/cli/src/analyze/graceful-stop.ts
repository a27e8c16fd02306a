/**
 * TEMPORARY adapter until @holdfast/shutdown exports createShutdown: the smallest stop
 * coordinator `analyze` needs. First SIGTERM/SIGINT aborts `stopping` (stop claiming); the
 * grace period running out, or a second signal, aborts `deadline` (abort in-flight work,
 * release its rows).
 */
export interface GracefulStop {
  readonly stopping: AbortSignal;
  readonly deadline: AbortSignal;
  /** The signal that began the stop, if any. */
  readonly reason: string | undefined;
  /** Called once, when the stop begins. */
  onStopping(fn: (reason: string) => void): void;
  /** The exit code for a stop that is complete: 0, or DEADLINE_EXIT_CODE when the grace ran out. */
  exitCode(): number;
  dispose(): void;
}

/** 128 + SIGTERM's number would claim the process was killed; it was not, it gave work back. */
export const DEADLINE_EXIT_CODE = 75;

export function createGracefulStop(options: {
  gracePeriodMs: number;
  signals?: NodeJS.Signals[];
}): GracefulStop {
  const stopping = new AbortController();
  const deadline = new AbortController();
  const listeners: Array<(reason: string) => void> = [];
  let reason: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const signals = options.signals ?? ["SIGTERM", "SIGINT"];

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping.signal.aborted) {
      deadline.abort(new Error(`second ${signal}: not waiting any longer`));
      return;
    }
    reason = signal;
    // Started before anything else runs, so a blocked event loop cannot postpone it.
    timer = setTimeout(() => deadline.abort(new Error("the grace period ran out")), options.gracePeriodMs);
    timer.unref();
    stopping.abort(new Error(signal));
    for (const fn of listeners) fn(signal);
  };
  for (const s of signals) process.on(s, onSignal);

  return {
    stopping: stopping.signal,
    deadline: deadline.signal,
    get reason() {
      return reason;
    },
    onStopping(fn) {
      listeners.push(fn);
    },
    exitCode: () => (deadline.signal.aborted ? DEADLINE_EXIT_CODE : 0),
    dispose() {
      if (timer) clearTimeout(timer);
      for (const s of signals) process.off(s, onSignal);
    },
  };
}
