import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, it } from "vitest";
import { type Dialect, dialects, type TestDatabase } from "./dialects.js";
import { type Finished, Holdfast } from "./holdfast-process.js";

const ASSETS = fileURLToPath(new URL("../../assets/", import.meta.url));
export const SAMPLES = ["tiny-h264-aac.mp4", "tiny-faststart.mp4", "tiny.mov"] as const;

/** A working directory with its own database, inbox and storage, and the CLI pointed at them. */
export class Workspace {
  constructor(
    readonly dir: string,
    readonly db: TestDatabase,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  readonly children: Holdfast[] = [];

  start(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Holdfast {
    const child = new Holdfast(args, {
      cwd: this.dir,
      env: { ...this.env, ...options.env },
      ...(options.input !== undefined ? { input: options.input } : {}),
    });
    this.children.push(child);
    return child;
  }

  /** After a failed test: no worker may outlive it and write into the next one's database. */
  async killAll(): Promise<void> {
    await Promise.all(
      this.children.map((c) => {
        if (c.proc.exitCode === null && c.proc.signalCode === null) c.kill("SIGKILL");
        return c.finished;
      }),
    );
  }

  run(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Finished> {
    return this.start(args, options).finished;
  }

  /** Runs another program (e.g. `script`) in the workspace, with the workspace's environment. */
  runProgram(program: string, args: string[], input: string): Promise<Finished> {
    return new Promise((resolve, reject) => {
      const child = spawn(program, args, { cwd: this.dir, env: this.env, stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c) => {
        stdout += c;
      });
      child.stderr.on("data", (c) => {
        stderr += c;
      });
      child.once("error", reject);
      child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
      child.stdin.end(input);
    });
  }

  /** Runs a command that must succeed and parses its --json output. */
  async json<T = unknown>(args: string[]): Promise<T> {
    const r = await this.run([...args, "--json"]);
    if (r.code !== 0)
      throw new Error(`holdfast ${args.join(" ")} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  /** Copies the bundled sample videos in; returns their file names. */
  async samples(): Promise<string[]> {
    for (const name of SAMPLES) await copyFile(join(ASSETS, name), join(this.dir, name));
    return [...SAMPLES];
  }

  /** Files that are not videos, each with different content (so each is its own row). */
  async notVideos(n: number): Promise<string[]> {
    const names: string[] = [];
    for (let i = 0; i < n; i++) {
      const name = `not-a-video-${i}.mp4`;
      await writeFile(join(this.dir, name), `plain text ${i} ${randomBytes(4).toString("hex")}\n`);
      names.push(name);
    }
    return names;
  }

  /** migrate + videos add, both checked. */
  async setup(files: string[] = []): Promise<void> {
    const m = await this.run(["migrate"]);
    if (m.code !== 0) throw new Error(`migrate failed:\n${m.stdout}\n${m.stderr}`);
    if (files.length > 0) {
      const a = await this.run(["videos", "add", ...files]);
      if (a.code !== 0) throw new Error(`videos add failed:\n${a.stdout}\n${a.stderr}`);
    }
  }
}

/**
 * The test process's environment minus everything that configures holdfast, so a developer's
 * DATABASE_URL or GEMINI_API_KEY can never reach a test's CLI; colours off.
 */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(DATABASE_URL|HOLDFAST_|GEMINI_|GCS_|GOOGLE_|FORCE_COLOR)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: "1" };
}

const inCi = process.env.CI === "true" || process.env.CI === "1";

/**
 * Declares `body` once per database dialect. Each test gets a fresh Workspace. A dialect
 * whose server is not reachable is skipped, visibly (its reason is in the suite's name),
 * except under CI=true, where that is a failure.
 */
export async function describeEachDialect(
  title: string,
  body: (ws: () => Workspace, dialect: Dialect) => void,
) {
  for (const dialect of await dialects()) {
    const name = `${title} [${dialect.name}]`;
    if (dialect.unavailable) {
      if (inCi) {
        describe(name, () => {
          it("has a database to run against", () => {
            throw new Error(`CI=true but ${dialect.unavailable}`);
          });
        });
      } else {
        describe.skip(`${name}: skipped, ${dialect.unavailable}`, () =>
          body(() => undefined as never, dialect));
      }
      continue;
    }
    describe(name, () => {
      let current: Workspace | undefined;
      beforeEach(async () => {
        const dir = await mkdtemp(join(tmpdir(), "holdfast-cli-"));
        const db = await dialect.create();
        const env: NodeJS.ProcessEnv = {
          ...cleanEnv(),
          DATABASE_URL: db.url,
          HOLDFAST_INBOX_DIR: join(dir, "inbox"),
          HOLDFAST_STORAGE: "local",
          HOLDFAST_STORAGE_DIR: join(dir, "storage"),
          HOLDFAST_ANALYZER: "offline",
          // No ffprobe: the bundled samples are MP4/MOV, read by the built-in reader.
          HOLDFAST_FFPROBE: "off",
        };
        current = new Workspace(dir, db, env);
      });
      afterEach(async () => {
        if (!current) return;
        await current.killAll();
        await current.db.drop();
        await rm(current.dir, { recursive: true, force: true });
        current = undefined;
      });
      body(() => {
        if (!current) throw new Error("no workspace outside a test");
        return current;
      }, dialect);
    });
  }
}
