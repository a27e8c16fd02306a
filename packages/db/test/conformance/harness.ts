import type { StageMachine, TaskStore } from "@holdfast/core";

/** One fresh, migrated, empty database. */
export interface FreshDatabase {
  store: TaskStore;
  /** What a child process needs to open the same database. */
  url: string;
  postgresSchema?: string;
  /** A second, independent store (own connection) on the same database. */
  openAnother(): Promise<TaskStore>;
  /**
   * Writes a row the way the OLD system did (no lease, any stage, any updated_at): the
   * port has no such write, because holdfast never leaves a working stage unleased.
   */
  insertLegacyRow(p: { sourceId: string; stage: string; updatedAt: Date }): Promise<number>;
}

export interface FreshOptions {
  /** The stage machine of every store opened on this database (default videoStageMachine). */
  machine?: StageMachine;
  /** false: leave the database empty, for tests of migrate() itself. Default true. */
  migrate?: boolean;
}

/** What a driver's test file provides; the suite never knows which driver it runs on. */
export interface StoreHarness {
  dialect: string;
  fresh(options?: FreshOptions): Promise<FreshDatabase>;
}

export const day = 86_400_000;
export const at = (iso: string) => new Date(iso);
export const T0 = at("2026-01-01T00:00:00Z");
export const plus = (d: Date, ms: number) => new Date(d.getTime() + ms);

export async function addTasks(store: TaskStore, n: number, now = T0, prefix = "src"): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++)
    ids.push((await store.taskAdd({ sourceId: `${prefix}-${i}`, data: { i }, now })).id);
  return ids;
}

/** Just the fence of a claimed row (spreading the whole row would also pass its `data`). */
export const ref = (t: { id: number; leaseToken: string }) => ({ id: t.id, leaseToken: t.leaseToken });
