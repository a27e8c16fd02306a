import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** The built CLI, run exactly as users run it: `node apps/cli/bin/holdfast.js`. */
export const BIN = fileURLToPath(new URL("../../bin/holdfast.js", import.meta.url));

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * A running `holdfast` process. Tests wait for what it prints (`waitFor`) and for its exit,
 * never for a span of time.
 */
export class Holdfast {
  readonly proc: ChildProcess;
  readonly out: string[] = [];
  readonly err: string[] = [];
  readonly finished: Promise<Finished>;
  #waiters: Array<{ re: RegExp; resolve: (l: string) => void }> = [];
  #done = false;

  constructor(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; input?: string }) {
    this.proc = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    if (options.input !== undefined) this.proc.stdin?.end(options.input);
    const read = (stream: NodeJS.ReadableStream, into: string[]) => {
      const rl = createInterface({ input: stream });
      rl.on("line", (line) => {
        into.push(line);
        this.#waiters = this.#waiters.filter((w) => {
          if (!w.re.test(line)) return true;
          w.resolve(line);
          return false;
        });
      });
      return new Promise<void>((resolve) => rl.once("close", () => resolve()));
    };
    const outDone = read(this.proc.stdout as NodeJS.ReadableStream, this.out);
    const errDone = read(this.proc.stderr as NodeJS.ReadableStream, this.err);
    this.finished = new Promise((resolve) => {
      this.proc.once("exit", (code, signal) => {
        void Promise.all([outDone, errDone]).then(() => {
          this.#done = true;
          resolve({ code, signal, stdout: this.out.join("\n"), stderr: this.err.join("\n") });
        });
      });
    });
  }

  /** Resolves with the first line on stdout or stderr matching `re`; fails if the process exits first. */
  async waitFor(re: RegExp): Promise<string> {
    const seen = [...this.out, ...this.err].find((l) => re.test(l));
    if (seen !== undefined) return seen;
    if (this.#done) throw new Error(`exited before printing ${re}:\n${this.transcript()}`);
    const line = new Promise<string>((resolve) => this.#waiters.push({ re, resolve }));
    const exited = this.finished.then(() => {
      throw new Error(`exited before printing ${re}:\n${this.transcript()}`);
    });
    return Promise.race([line, exited]);
  }

  kill(signal: NodeJS.Signals): void {
    this.proc.kill(signal);
  }

  transcript(): string {
    return `--- stdout\n${this.out.join("\n")}\n--- stderr\n${this.err.join("\n")}`;
  }
}
