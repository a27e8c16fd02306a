import { claimTests } from "./claim.js";
import { customMachineTests } from "./custom-machine.js";
import { fencingTests } from "./fencing.js";
import type { StoreHarness } from "./harness.js";
import { journalTests } from "./journal.js";
import { migrationTests } from "./migrations.js";
import { recoveryTests } from "./recovery.js";
import { transactionTests } from "./transactions.js";
import { workerLoopTests } from "./worker-loop.js";
import { workerAndLockTests } from "./workers-locks.js";

export type { FreshDatabase, FreshOptions, StoreHarness } from "./harness.js";

/**
 * The one conformance suite: every TaskStore runs all of it, unchanged. A driver's test
 * file only builds fresh databases (see sqlite.test.ts, postgres.test.ts).
 * To add an area: write `xyzTests(h: StoreHarness)` in its own file and call it here.
 */
export function exerciseTaskStore(h: StoreHarness): void {
  claimTests(h);
  fencingTests(h);
  transactionTests(h);
  recoveryTests(h);
  journalTests(h);
  workerAndLockTests(h);
  migrationTests(h);
  customMachineTests(h);
  workerLoopTests(async () => (await h.fresh()).store);
}
