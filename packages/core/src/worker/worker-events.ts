/**
 * What a worker reports as it goes: for progress output, metrics and tests that wait for
 * an event instead of sleeping.
 */
export type WorkerEvent =
  | { type: "started"; workerId: string }
  | { type: "claimed"; taskId: number; stage: string; attempts: number }
  | { type: "advanced"; taskId: number; from: string; to: string }
  | { type: "completed"; taskId: number }
  | { type: "failed"; taskId: number; reason: string }
  | { type: "released"; taskId: number; counted: boolean; reason: string }
  | { type: "lease-lost"; taskId: number; during: string }
  | { type: "recovered"; count: number }
  | { type: "drain-requested" }
  | { type: "stopping"; reason: string; inFlight: number }
  | { type: "idle" }
  | { type: "error"; during: string; message: string }
  | { type: "stopped"; stats: WorkerStats };

export interface WorkerStats {
  claimed: number;
  completed: number;
  failed: number;
  /** Released for another attempt: after an error (counted) or at the deadline (not counted). */
  released: number;
  /** Rows dropped because their lease was lost: another worker or a recovery owns them. */
  leaseLost: number;
}
