import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "db",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Multi-process claim and worker-loop tests spawn processes and wait on real leases.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
