import { DEFAULTS } from "./defaults.js";
import { ConfigError } from "./errors.js";
import type { RecoveryAction, StuckTask, TaskStore } from "./ports/task-store.js";

export interface RecoverOptions {
  /** Who recovers, written into every audit event ("cli", "scheduler@host", a worker id). */
  actor: string;
  /** The recovery's notion of now; pass it explicitly in tests. */
  now?: Date;
  /** Report what is stuck and change nothing. */
  dryRun?: boolean;
  /** Rows whose attempts reached this go to the failed stage instead of back to work. */
  maxAttempts?: number;
  /**
   * Legacy mode: also treat rows in a legacyStuck stage (`processing`) that hold NO lease
   * and were last updated more than this long ago as stuck — the seed's `--timeout` rule,
   * for databases written by the old system. null/undefined: leases only. A holdfast row is
   * never in processing without a lease, so this never touches healthy holdfast work.
   */
  legacyTimeoutMs?: number | null;
  /** Rows changed per statement. */
  batchSize?: number;
  /** Stop after this many rows (found or changed). */
  limit?: number;
  /**
   * Also read what is stuck before changing it (the report's `found`, the seed's table).
   * A worker's periodic sweep turns it off: one statement per sweep instead of two.
   */
  listFound?: boolean;
}

export interface StuckReport extends StuckTask {
  /** How long the row has been stuck: since its lease expired, or since its last update (legacy). */
  stuckForMs: number;
}

export interface RecoverReport {
  dryRun: boolean;
  now: Date;
  /** What was stuck when the recovery looked (the seed's table). */
  found: StuckReport[];
  /** What this recovery changed: only rows it changed itself, so racing recoveries never double-count. */
  actions: RecoveryAction[];
  released: number;
  failed: number;
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new ConfigError(`recover: ${name} must be a positive integer, got ${value}`);
  return value;
}

/**
 * Finds rows whose worker died (expired lease) — and, in legacy mode, rows the old system
 * left in processing — and puts them back to work, or into the failed stage once they have
 * used their attempts. Idempotent and safe to run from many places at once: the store
 * re-checks each row in the write, so each stuck row changes once.
 */
export async function recover(store: TaskStore, options: RecoverOptions): Promise<RecoverReport> {
  if (!options.actor) throw new ConfigError("recover: actor is required (it is written to the audit log)");
  const now = options.now ?? new Date();
  const maxAttempts = positiveInt("maxAttempts", options.maxAttempts ?? DEFAULTS.maxAttempts);
  const batchSize = positiveInt("batchSize", options.batchSize ?? DEFAULTS.recoverBatchSize);
  const limit = options.limit === undefined ? Number.POSITIVE_INFINITY : positiveInt("limit", options.limit);
  const legacy = options.legacyTimeoutMs;
  if (legacy != null && (!Number.isFinite(legacy) || legacy < 0)) {
    throw new ConfigError(
      `recover: legacyTimeoutMs must be a non-negative number of milliseconds, got ${legacy}`,
    );
  }
  const legacyUpdatedBefore = legacy == null ? undefined : new Date(now.getTime() - legacy);
  const query = {
    now,
    ...(legacyUpdatedBefore ? { legacyUpdatedBefore } : {}),
    ...(Number.isFinite(limit) ? { limit } : {}),
  };

  const listFound = options.listFound ?? true;
  if (!listFound && options.dryRun)
    throw new ConfigError("recover: a dry run with listFound: false would do nothing");
  const found = (listFound ? await store.taskFindStuck(query) : []).map((row) => ({
    ...row,
    stuckForMs:
      now.getTime() -
      (row.kind === "lease_expired" && row.leaseExpiresAt ? row.leaseExpiresAt : row.updatedAt).getTime(),
  }));

  const actions: RecoveryAction[] = [];
  if (!options.dryRun) {
    // Batches keep each transaction short; a batch smaller than asked for means the
    // store found nothing more that is stuck.
    while (actions.length < limit) {
      const take = Math.min(batchSize, limit - actions.length);
      const batch = await store.taskRecoverStuck({
        ...query,
        limit: take,
        maxAttempts,
        actor: options.actor,
      });
      actions.push(...batch);
      if (batch.length < take) break;
    }
  }
  return {
    dryRun: options.dryRun ?? false,
    now,
    found,
    actions,
    released: actions.filter((a) => a.action === "released").length,
    failed: actions.filter((a) => a.action === "failed").length,
  };
}
