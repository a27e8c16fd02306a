/** pino-compatible: a pino logger (or a child of one) fits as is. */
export interface ShutdownLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Where signals come from: `process` in production, an EventEmitter in tests. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

/**
 * The clock. Injected in tests so a grace period can "run out" on demand instead of after a
 * sleep. Timers are only started during a stop; they keep the process alive (ref'd) while
 * their phase runs and are always cleared when it ends.
 */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Milliseconds, for the durations in logs and in the outcome. */
  now(): number;
}

export interface ShutdownOptions {
  /** In-flight work gets this long after the first signal; then `deadlineSignal` aborts. */
  gracePeriodMs?: number;
  /** Signals that begin a stop. `[]` for stops requested only in code. */
  signals?: readonly NodeJS.Signals[];
  /** Default: silent. */
  logger?: ShutdownLogger;
  /** Called once with the exit code when the stop is complete. Default: `process.exit`. */
  exit?: (code: number) => void;
  /** Default: `process`. */
  signalSource?: SignalSource;
  /** Default limit per hook; `onStop(name, fn, { timeoutMs })` overrides it for one hook. */
  hookTimeoutMs?: number;
  /** After the deadline abort, how long work gets to run its release code. */
  settleMs?: number;
  /** Default: Node's timers and `performance.now()`. */
  timers?: Timers;
}

export interface StopContext {
  /** What began the stop: the signal name, or the reason given to `stop()`. */
  readonly reason: string;
  /** True when in-flight work was aborted (grace period over, or a second signal). */
  readonly deadlineReached: boolean;
  /** Aborts (with a HookTimeoutError) when this hook's time is up: stop waiting, return. */
  readonly signal: AbortSignal;
}

export type StopHook = (ctx: StopContext) => unknown;

export interface StopHookOptions {
  /** This hook's limit; default `hookTimeoutMs`. */
  timeoutMs?: number;
}

export interface ShutdownOutcome {
  readonly reason: string;
  readonly exitCode: number;
  /** In-flight work was aborted through `deadlineSignal`. */
  readonly deadlineReached: boolean;
  /** A second signal, not the grace timer, ended the wait. */
  readonly forced: boolean;
  /** Names of the hooks that threw or timed out, in run order. */
  readonly hookFailures: string[];
  /** Work still unsettled when the hooks began (it ignored the deadline and the settle time). */
  readonly abandoned: number;
  /** From the start of the stop to the exit call. */
  readonly durationMs: number;
}

export interface Shutdown {
  /** Aborts (with a StopRequestedError) the moment a stop begins: take no new work. */
  readonly signal: AbortSignal;
  /** Aborts (with a DeadlineReachedError) when the grace runs out or a second signal comes: release. */
  readonly deadlineSignal: AbortSignal;
  readonly stopping: boolean;
  /** Tracked work not yet settled. */
  readonly inFlight: number;
  /**
   * Registers in-flight work: the stop waits for it before running the hooks. Returns the
   * same result (or rejection) as the work. A function is called at once with `deadlineSignal`.
   */
  track<T>(work: PromiseLike<T> | ((deadline: AbortSignal) => PromiseLike<T>)): Promise<T>;
  /** Registers a named hook; hooks run one by one, in registration order, once the work is done. */
  onStop(name: string, fn: StopHook, opts?: StopHookOptions): void;
  /** Begins a stop from code (a drain request). Idempotent: every call returns the same outcome. */
  stop(reason?: string): Promise<ShutdownOutcome>;
  /** Removes the signal listeners (a completed stop removes them too). Idempotent. */
  dispose(): void;
}
