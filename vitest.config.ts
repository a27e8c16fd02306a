import { defineConfig } from "vitest/config";

// vitest 4 no longer reads vitest.workspace.ts: the projects are listed here, and each
// package has its own vitest.config.ts built with defineProject.
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*"],
  },
});
