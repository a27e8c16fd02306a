import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "shutdown",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
  },
});
