import { describe, expect, it } from "vitest";
import { ConfigError } from "./errors.js";
import type { TaskStore } from "./ports/task-store.js";
import { recover } from "./recover.js";

// Option checks happen before the store is touched: a store that throws on any use
// proves it. Behaviour against real stores is in @holdfast/db's conformance suite.
const untouchable = new Proxy({} as TaskStore, {
  get(_t, prop) {
    throw new Error(`the store was used (${String(prop)}) although the options were invalid`);
  },
});

describe("recover() option checks", () => {
  it.each([
    [{ actor: "" }, /actor is required/],
    [{ actor: "t", maxAttempts: 0 }, /maxAttempts must be a positive integer, got 0/],
    [{ actor: "t", maxAttempts: 1.5 }, /maxAttempts/],
    [{ actor: "t", batchSize: -1 }, /batchSize/],
    [{ actor: "t", legacyTimeoutMs: -5 }, /legacyTimeoutMs must be a non-negative/],
    [{ actor: "t", legacyTimeoutMs: Number.NaN }, /legacyTimeoutMs/],
    [{ actor: "t", dryRun: true, listFound: false }, /would do nothing/],
  ])("rejects %o", async (opts, message) => {
    await expect(recover(untouchable, opts)).rejects.toThrow(ConfigError);
    await expect(recover(untouchable, opts)).rejects.toThrow(message);
  });
});
