import type { TaskStore } from "@holdfast/core";

/**
 * The store the analysis batch's worker gets: the same store, with the paid-call journal
 * writes counted on their way through. The TaskStore port has no count of journal rows by
 * status, so the scheduler counts the calls its own batches make.
 */
export function countPaidCalls(
  store: TaskStore,
  count: (status: "started" | "succeeded" | "failed") => void,
): TaskStore {
  return {
    ...store,
    async journalStart(p) {
      const entry = await store.journalStart(p);
      count("started");
      return entry;
    },
    async journalSucceed(p) {
      await store.journalSucceed(p);
      count("succeeded");
    },
    async journalFail(p) {
      await store.journalFail(p);
      count("failed");
    },
  };
}
