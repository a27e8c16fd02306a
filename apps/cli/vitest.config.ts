import { createRequire } from "node:module";
import { defineProject } from "vitest/config";

export default defineProject({
  resolve: {
    alias: {
      // Node loads clipanion's CommonJS build (its package.json has no "exports"); vite would
      // pick its .mjs build, which imports a directory and fails under Node's ESM loader.
      // Tests load the same file the CLI runs.
      clipanion: createRequire(import.meta.url).resolve("clipanion"),
    },
  },
  test: {
    name: "cli",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // The end-to-end tests start several real CLI processes each; they wait for events, and
    // this is only the bound after which a hung process counts as a failure.
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
