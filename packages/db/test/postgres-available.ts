import pg from "pg";

export const TEST_PG_URL = process.env.HOLDFAST_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/**
 * Whether the Postgres half can run. Locally, without a server, it is skipped with a
 * visible message; under CI=true a missing server is a failure, never a silent skip.
 */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch (err) {
    const why = `PostgreSQL at ${TEST_PG_URL.replace(/\/\/[^@]*@/, "//***@")} is unreachable: ${(err as Error).message}`;
    if (process.env.CI === "true") throw new Error(`${why} (CI=true: the Postgres tests must run)`);
    console.warn(
      `\n  ⚠ SKIPPING the PostgreSQL tests: ${why}\n    set HOLDFAST_TEST_PG_URL or start the server.\n`,
    );
    return false;
  }
}
