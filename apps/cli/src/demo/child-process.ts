import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** The CLI's own entry point: the demo runs real `holdfast` processes, as a deploy would. */
export const HOLDFAST_BIN = fileURLToPath(new URL("../../bin/holdfast.js", import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A `holdfast` child process whose output lines can be awaited: the demo waits for what
 * the worker says ("→ processing", "processed …"), never for a fixed time.
 */
export class HoldfastChild {
  readonly lines: string[] = [];
  readonly exited: Promise<Exit>;
  readonly process: ChildProcess;
  #exit: Exit | undefined;
  #waiters: Array<{ re: RegExp; resolve: (line: string) => void; reject: (e: Error) => void }> = [];

  constructor(
    args: string[],
    options: { cwd: string; env: NodeJS.ProcessEnv; onLine?: (line: string) => void },
  ) {
    this.process = spawn(process.execPath, [HOLDFAST_BIN, ...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const onLine = (line: string) => {
      this.lines.push(line);
      options.onLine?.(line);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.re.test(line)) return true;
        w.resolve(line);
        return false;
      });
    };
    const out = createInterface({ input: this.process.stdout as NodeJS.ReadableStream });
    const err = createInterface({ input: this.process.stderr as NodeJS.ReadableStream });
    out.on("line", onLine);
    err.on("line", onLine);
    // Listening for "close" from the start: the streams may close before "exit" is emitted.
    const closed = (rl: typeof out) => new Promise<void>((resolve) => rl.once("close", () => resolve()));
    const allRead = Promise.all([closed(out), closed(err)]);
    this.exited = new Promise<Exit>((resolve) => {
      this.process.once("exit", (code, signal) => {
        // Every line is read before anyone hears about the exit.
        void allRead.then(() => {
          this.#exit = { code, signal };
          for (const w of this.#waiters)
            w.reject(
              new Error(`holdfast ${args.join(" ")} exited (${signal ?? code}) before printing ${w.re}`),
            );
          this.#waiters = [];
          resolve(this.#exit);
        });
      });
    });
  }

  /** The first line matching `re` printed at or after line index `from` (default: any line so far). */
  waitFor(re: RegExp, from = 0): Promise<string> {
    const seen = this.lines.slice(from).find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    if (this.#exit) return Promise.reject(new Error(`process already exited before printing ${re}`));
    return new Promise((resolve, reject) => this.#waiters.push({ re, resolve, reject }));
  }

  kill(signal: NodeJS.Signals): void {
    this.process.kill(signal);
  }
}
