// Shared helpers of the side-by-side comparisons (holdfast vs graphile-worker vs pg-boss vs
// raw SQL): one dedicated database per run, a schema per system and trial, a statement
// counter that wraps pg's Client#query (and better-sqlite3's statements) inside a worker
// process, machine and version info, and child-process plumbing (JSON lines on stdout).
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import pg from "pg";
import { machineInfo, PG_URL } from "../common.mjs";

export { summary } from "../common.mjs";

/** The database every comparison runs in (created at start, dropped at the end). */
export const CMP_DB = process.env.HF_CMP_DB ?? "hf_bench_compare";
export function dbUrl(db = CMP_DB) {
  const u = new URL(PG_URL);
  u.pathname = `/${db}`;
  return u.toString();
}

async function admin(fn) {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
export async function createCompareDb() {
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${CMP_DB} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${CMP_DB}`);
  });
}
export async function dropCompareDb() {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${CMP_DB} WITH (FORCE)`));
}
/** Runs fn with a client on the comparison database. */
export async function withDb(fn) {
  const c = new pg.Client({ connectionString: dbUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
export const dropSchema = (schema) => withDb((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));

/**
 * Counts every statement this process sends: pg's Client#query (pools, graphile-worker,
 * pg-boss and drizzle all end there; one node-postgres install serves all of them) and
 * better-sqlite3's Statement#run/get/all/iterate and Database#exec. `byKey` groups by the
 * statement's first words, to see which statements a task costs.
 */
export function installStatementCounter({ sqlite = false } = {}) {
  const counter = { total: 0, byKey: new Map() };
  const key = (text) =>
    String(text ?? "")
      .replace(/\s+/g, " ")
      .trim()
      .slice(0, 70);
  const count = (text) => {
    counter.total++;
    const k = key(text);
    counter.byKey.set(k, (counter.byKey.get(k) ?? 0) + 1);
  };
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (config, ...rest) {
    count(typeof config === "string" ? config : config?.text);
    return original.call(this, config, ...rest);
  };
  if (sqlite) {
    const Database = createRequire(import.meta.url)("better-sqlite3");
    const probe = new Database(":memory:");
    const Statement = probe.prepare("select 1").constructor;
    probe.close();
    for (const m of ["run", "get", "all", "iterate"]) {
      const o = Statement.prototype[m];
      Statement.prototype[m] = function (...args) {
        count(this.source);
        return o.apply(this, args);
      };
    }
    const exec = Database.prototype.exec;
    Database.prototype.exec = function (sql) {
      count(sql);
      return exec.call(this, sql);
    };
  }
  counter.reset = () => {
    counter.total = 0;
    counter.byKey.clear();
  };
  counter.snapshot = (top = 12) => ({
    total: counter.total,
    top: [...counter.byKey.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([statement, n]) => ({ statement, n })),
  });
  return counter;
}

/** Machine, server and versions of every system compared. */
export function compareMachineInfo() {
  const req = createRequire(new URL("../../package.json", import.meta.url));
  const version = (name) => {
    try {
      const entry = req.resolve(name);
      let dir = entry;
      for (let i = 0; i < 6; i++) {
        dir = dir.slice(0, dir.lastIndexOf("/"));
        try {
          const p = JSON.parse(readFileSync(`${dir}/package.json`, "utf8"));
          if (p.name === name) return p.version;
        } catch {}
      }
    } catch {}
    return null;
  };
  // The packages measured: HF_CMP_HOLDFAST_COMMIT when the run uses a clean export of a
  // commit (the lead's uncommitted work does not leak in), else this checkout's HEAD.
  let head = process.env.HF_CMP_HOLDFAST_COMMIT ?? null;
  let dirty = head ? false : null;
  if (!head) {
    try {
      head = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }).trim();
      dirty =
        // Documentation edits do not change what was measured.
        execFileSync(
          "git",
          ["status", "--porcelain", "--", "../packages", ":(exclude,glob)../packages/**/*.md"],
          {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "ignore"],
          },
        ).trim() !== "";
    } catch {}
  }
  return {
    ...machineInfo(),
    graphileWorker: version("graphile-worker"),
    pgBoss: version("pg-boss"),
    closeWithGrace: version("close-with-grace"),
    holdfastCommit: head,
    holdfastPackagesDirty: dirty,
  };
}

/** Spawns a node child; returns { child, next() → next JSON line, send(line) }. */
export function spawnJson(script, args = [], env = {}) {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return {
    child,
    exited,
    async next() {
      const r = await lines.next();
      if (r.done) throw new Error(`${script} ${args.join(" ")}: exited before its next line`);
      return JSON.parse(r.value);
    },
    send(line) {
      child.stdin.write(`${line}\n`);
    },
  };
}

/** In a child: one JSON line on stdout. */
export const say = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
/** In a child: resolves with each line the parent sends. */
export function commands() {
  const rl = createInterface({ input: process.stdin });
  const waiting = [];
  const queued = [];
  rl.on("line", (l) => (waiting.length ? waiting.shift()(l) : queued.push(l)));
  return () => (queued.length ? Promise.resolve(queued.shift()) : new Promise((r) => waiting.push(r)));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const round = (x, d = 0) => Math.round(x * 10 ** d) / 10 ** d;
