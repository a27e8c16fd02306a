import { spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";

/**
 * Spawns a process whose stdout is JSON lines (or plain lines). Every line is timestamped on
 * arrival, parsed when it is JSON, handed to `onLine` and appended to `logFile`.
 */
export function startProcess({ name, command, args, env, cwd, logFile, onLine }) {
  const child = spawn(command, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
  const log = logFile ? createWriteStream(logFile, { flags: "a" }) : null;
  const lines = [];
  const exited = new Promise((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal, at: Date.now() }));
  });
  let buf = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk) => {
    buf += chunk;
    let nl = buf.indexOf("\n");
    while (nl >= 0) {
      const text = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      nl = buf.indexOf("\n");
      if (!text) continue;
      let json = null;
      if (text.startsWith("{")) {
        try {
          json = JSON.parse(text);
        } catch {}
      }
      const line = { at: Date.now(), text, json };
      lines.push(line);
      log?.write(`${text}\n`);
      onLine?.(line);
    }
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => log?.write(`[stderr] ${chunk}`));
  exited.then(() => log?.end());
  return { name, child, pid: child.pid, lines, exited };
}

/** Waits for a JSON line with event=listening (the emulators and the scheduler print one). */
export async function waitForListening(proc, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const hit = proc.lines.find((l) => l.json?.event === "listening");
    if (hit) return hit.json;
    const exited = await Promise.race([proc.exited, sleep(50).then(() => null)]);
    if (exited) throw new Error(`${proc.name} exited (${exited.code ?? exited.signal}) before listening`);
  }
  throw new Error(`${proc.name} did not print a listening event within ${timeoutMs} ms`);
}

/** Runs a command to completion; resolves with its exit code, stdout and stderr. */
export async function runCommand(command, args, { env, cwd } = {}) {
  const child = spawn(command, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => {
    stdout += c;
  });
  child.stderr.on("data", (c) => {
    stderr += c;
  });
  const [code] = await once(child, "exit");
  return { code, stdout, stderr };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Stops a process: SIGCONT (in case it is stopped), SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(proc, graceMs = 10_000) {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return proc.exited;
  try {
    process.kill(proc.pid, "SIGCONT");
    proc.child.kill("SIGTERM");
  } catch {}
  const result = await Promise.race([proc.exited, sleep(graceMs).then(() => null)]);
  if (result) return result;
  try {
    proc.child.kill("SIGKILL");
  } catch {}
  return proc.exited;
}
