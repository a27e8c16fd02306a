import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const dist = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

export interface ChildEvent {
  event: string;
  [key: string]: unknown;
}

/**
 * A fixture script run as a real child process. It prints one JSON object per line; tests
 * wait for a named event (never for time) before they send a real signal.
 */
export class Fixture {
  readonly events: ChildEvent[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #child: ChildProcess;
  #stderr = "";
  #closed = false;
  #waiters: Array<() => void> = [];

  constructor(name: string, env: Record<string, string> = {}) {
    if (!existsSync(dist)) {
      throw new Error(
        "packages/shutdown/dist is missing: run `pnpm --filter @holdfast/shutdown build` first",
      );
    }
    const script = fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
    this.#child = spawn(process.execPath, [script], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#child.stderr?.on("data", (chunk: Buffer) => {
      this.#stderr += chunk.toString();
    });
    createInterface({ input: this.#child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      try {
        this.events.push(JSON.parse(line) as ChildEvent);
      } catch {
        this.events.push({ event: "non-json", line });
      }
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.exited = new Promise((resolve) => {
      // "close", not "exit": "exit" can come before the last stdout lines are read.
      this.#child.on("close", (code, signal) => {
        this.#closed = true;
        for (const wake of this.#waiters.splice(0)) wake();
        resolve({ code, signal });
      });
    });
  }

  /** Resolves with the first event named `name` (seen already or still to come). */
  async next(name: string): Promise<ChildEvent> {
    for (;;) {
      const found = this.events.find((e) => e.event === name);
      if (found) return found;
      if (this.#closed) {
        throw new Error(`child exited before "${name}"\n${this.transcript()}`);
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  kill(signal: NodeJS.Signals = "SIGTERM"): void {
    this.#child.kill(signal);
  }

  names(): string[] {
    return this.events.map((e) => (e.event === "hook" ? `hook:${String(e.name)}` : e.event));
  }

  transcript(): string {
    return `stdout:\n${this.events.map((e) => JSON.stringify(e)).join("\n")}\nstderr:\n${this.#stderr}`;
  }

  /** Ends a child a failed test left behind. */
  cleanup(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill("SIGKILL");
  }
}
