import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/holdfast-scheduler.js", import.meta.url));

export type Event = { event: string } & Record<string, unknown>;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SchedulerProcess {
  child: ChildProcess;
  /** Every event so far, in order. */
  events: Event[];
  stderr(): string;
  /** Resolves with the first event (past or future) that matches; rejects if the process exits first. */
  waitFor(match: (e: Event) => boolean, what: string): Promise<Event>;
  /** Resolves once `n` matching events have arrived. */
  waitForCount(match: (e: Event) => boolean, n: number, what: string): Promise<Event[]>;
  exited: Promise<Exit>;
  port(): Promise<number>;
  kill(signal: NodeJS.Signals): void;
}

/**
 * The settings every test starts from: no job runs unless the test schedules it, the
 * endpoints on a free loopback port, quiet logs. The parent's HOLDFAST_* and DATABASE_URL
 * never leak in.
 */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith("HOLDFAST_") || k === "DATABASE_URL" || k.startsWith("GEMINI_"))
      continue;
    env[k] = v;
  }
  return {
    ...env,
    HOLDFAST_SCHEDULER_HOST: "127.0.0.1",
    HOLDFAST_SCHEDULER_PORT: "0",
    HOLDFAST_SCHEDULE_RECOVERY: "off",
    HOLDFAST_SCHEDULE_ANALYSIS: "off",
    HOLDFAST_SCHEDULE_HEALTH: "off",
    HOLDFAST_LOG_LEVEL: "warn",
  };
}

export function startSchedulerProcess(env: Record<string, string>, args: string[] = []): SchedulerProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...baseEnv(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const events: Event[] = [];
  const waiters = new Set<() => void>();
  let stderr = "";
  let buffer = "";
  let exit: Exit | undefined;

  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    let nl = buffer.indexOf("\n");
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      try {
        events.push(JSON.parse(line) as Event);
      } catch {
        stderr += `[stdout, not JSON] ${line}\n`;
      }
      nl = buffer.indexOf("\n");
    }
    for (const w of waiters) w();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<Exit>((resolve) => {
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      // Let the last stdout chunk arrive before waiters give up.
      setImmediate(() => {
        for (const w of waiters) w();
        resolve(exit as Exit);
      });
    });
  });

  const waitForCount = (match: (e: Event) => boolean, n: number, what: string) =>
    new Promise<Event[]>((resolve, reject) => {
      const check = () => {
        const found = events.filter(match);
        if (found.length >= n) {
          waiters.delete(check);
          resolve(found.slice(0, n));
        } else if (exit) {
          waiters.delete(check);
          reject(new Error(`scheduler exited (${JSON.stringify(exit)}) before ${what}; stderr:\n${stderr}`));
        }
      };
      waiters.add(check);
      check();
    });

  const proc: SchedulerProcess = {
    child,
    events,
    stderr: () => stderr,
    waitFor: async (match, what) => (await waitForCount(match, 1, what))[0] as Event,
    waitForCount,
    exited,
    async port() {
      const e = await proc.waitFor((x) => x.event === "listening", "listening");
      return e.port as number;
    },
    kill(signal) {
      if (!exit) child.kill(signal);
    },
  };
  return proc;
}

/** Runs the binary to its end (bad-config cases). */
export async function runSchedulerToExit(
  env: Record<string, string>,
  args: string[] = [],
): Promise<Exit & { stderr: string; stdout: string }> {
  const p = startSchedulerProcess(env, args);
  const exit = await p.exited;
  return { ...exit, stderr: p.stderr(), stdout: p.events.map((e) => JSON.stringify(e)).join("\n") };
}

export const isJob = (job: string, event: string) => (e: Event) => e.event === event && e.job === job;
