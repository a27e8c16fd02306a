/**
 * Signals that arrive before a program has installed its coordinator. A binary spends a few
 * hundred milliseconds loading modules; a SIGTERM in that window would kill it with 143
 * instead of stopping it. The binary's FIRST statement installs a recorder (plain JS, before
 * any import — see apps/cli/bin/holdfast.js):
 *
 *   const early = { signals: [], listener: (s) => early.signals.push(s) };
 *   for (const s of ["SIGTERM", "SIGINT"]) process.on(s, early.listener);
 *   globalThis[Symbol.for("holdfast.earlySignals")] = early;
 *   await import("../dist/main.js");
 *
 * createShutdown (on the real process) takes the recorder over and replays what it caught;
 * a command that handles no signals calls releaseEarlySignals(), which restores Node's
 * default handling and re-raises a signal that already came.
 */
export const EARLY_SIGNALS_KEY = Symbol.for("holdfast.earlySignals");

interface EarlySignals {
  signals: NodeJS.Signals[];
  listener: (signal: NodeJS.Signals) => void;
}

function detach(): NodeJS.Signals[] {
  const registry = globalThis as { [EARLY_SIGNALS_KEY]?: EarlySignals };
  const early = registry[EARLY_SIGNALS_KEY];
  if (!early) return [];
  delete registry[EARLY_SIGNALS_KEY];
  for (const s of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.off(s, early.listener);
  return early.signals;
}

/** Removes the recorder and returns what it caught (createShutdown calls this). */
export function takeEarlySignals(): NodeJS.Signals[] {
  return detach();
}

/**
 * For code that handles no signals itself: removes the recorder, so signals get Node's
 * default handling again, and re-raises the first signal it caught (the process then ends
 * as if the recorder had never been there).
 */
export function releaseEarlySignals(): void {
  const [first] = detach();
  if (first) process.kill(process.pid, first);
}
