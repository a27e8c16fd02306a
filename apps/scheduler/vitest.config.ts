import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "scheduler",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Process tests wait for real ticks (one a second) and real lock expiry; the bound is
    // for a hung test, never a timing assertion.
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
