import { fileURLToPath } from "node:url";

/**
 * The committed migrations ship inside the package (`drizzle/`), next to `dist/`, so
 * `migrate()` works in an installed project without drizzle-kit.
 */
export function migrationsFolder(dialect: "sqlite" | "pg"): string {
  return fileURLToPath(new URL(`../drizzle/${dialect}`, import.meta.url));
}
