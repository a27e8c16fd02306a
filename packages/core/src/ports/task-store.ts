/**
 * The TaskStore port: everything the worker loop, recovery, the pipeline, the CLI and the
 * scheduler ask of the database. @holdfast/db implements it for SQLite and Postgres and runs
 * ONE conformance suite against both.
 *
 * Conventions (River's): entity-first names (`taskClaim`, `workerHeartbeat`, `lockAcquire`),
 * one params object per call, and `now` passed in by the caller so tests control time and
 * no two statements disagree about it.
 *
 * Fencing: every write a worker makes about a row it holds is a compare-and-set on
 * `(id, leaseToken)`. When the row is no longer held under that token the write changes
 * nothing and the method throws LeaseLostError.
 *
 * Journal writes are NOT fenced: a paid response that arrives after the lease was lost is
 * still paid for, and keeping it is what lets the next attempt reuse it instead of paying
 * again.
 */

/** A row as stored. `data` is the task's own JSON document (file path, metadata, object URI…). */
export interface TaskRow {
  id: number;
  sourceId: string;
  stage: string;
  data: Record<string, unknown>;
  /** Claims so far; a graceful release gives its claim back. */
  attempts: number;
  leaseOwner: string | null;
  leaseToken: string | null;
  leaseExpiresAt: Date | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A row this worker holds: the token is what fences its writes. */
export interface ClaimedTask extends TaskRow {
  leaseOwner: string;
  leaseToken: string;
  leaseExpiresAt: Date;
}

export interface LeaseRef {
  id: number;
  leaseToken: string;
}

export interface TaskAddParams {
  sourceId: string;
  data: Record<string, unknown>;
  now: Date;
}
export interface TaskAddResult {
  id: number;
  /** false when a row with this source id already existed (adding twice is a no-op). */
  created: boolean;
}

export interface TaskClaimParams {
  /** Worker id that will hold the leases. */
  owner: string;
  limit: number;
  leaseTtlMs: number;
  now: Date;
}

export interface TaskAdvanceParams extends LeaseRef {
  /** The stage the worker believes the row is in; checked by the compare-and-set too. */
  from: string;
  to: string;
  /** When given, replaces the row's data document. */
  data?: Record<string, unknown>;
  now: Date;
}

export interface TaskCompleteParams extends LeaseRef {
  from: string;
  /**
   * Saved as the row's one result, in the same transaction as the move to the completed
   * stage. Omitted: the task has no result and no result row is written.
   */
  result?: Record<string, unknown>;
  data?: Record<string, unknown>;
  now: Date;
}

export interface TaskFailParams extends LeaseRef {
  reason: string;
  now: Date;
}

export interface TaskReleaseParams extends LeaseRef {
  /**
   * Graceful release (shutdown, deadline): the claim is given back (attempts − 1) so a
   * deploy never eats a row's retries. A release after an error counts the attempt.
   */
  countAttempt: boolean;
  /** Recorded as last_error when the release follows an error. */
  error?: string;
  now: Date;
}

export interface TaskExtendParams {
  owner: string;
  /**
   * The leases to renew: the rows the worker holds (running, finishing, prefetched). A row
   * whose token changed (recovered and claimed again) is not renewed, and the statement
   * touches only these rows: its cost follows this worker's rows, not the fleet's.
   */
  leases: readonly LeaseRef[];
  leaseTtlMs: number;
  now: Date;
}

/** Why a row is considered stuck. */
export type StuckKind =
  /** It holds a lease whose expiry has passed: its worker died or stalled. */
  | "lease_expired"
  /** Legacy: in a legacyStuck stage with no lease and updated_at older than the timeout. */
  | "legacy_timeout";

export interface StuckTask {
  id: number;
  sourceId: string;
  stage: string;
  attempts: number;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  updatedAt: Date;
  kind: StuckKind;
}

export interface TaskFindStuckParams {
  now: Date;
  /** When set, legacy mode: also rows in a legacyStuck stage, unleased, updated before this. */
  legacyUpdatedBefore?: Date;
  limit?: number;
}

export interface TaskRecoverStuckParams extends TaskFindStuckParams {
  /** Rows whose attempts have reached this go to the failed stage instead of being released. */
  maxAttempts: number;
  /** Who recovers (recorded in the audit event): e.g. "scheduler@host" or "cli". */
  actor: string;
}

export interface RecoveryAction {
  id: number;
  sourceId: string;
  kind: StuckKind;
  fromStage: string;
  toStage: string;
  action: "released" | "failed";
  attempts: number;
}

export interface TaskCounts {
  /** Rows per stage. */
  byStage: Record<string, number>;
  /** Rows holding a lease that has not expired. */
  inFlight: number;
  /** Rows holding a lease that has expired. */
  leaseExpired: number;
}

export interface AuditEvent {
  id: number;
  taskId: number | null;
  /** e.g. "claimed", "advanced", "completed", "failed", "released", "recovered". */
  event: string;
  actor: string;
  fromStage: string | null;
  toStage: string | null;
  detail: Record<string, unknown>;
  at: Date;
}

export interface AuditAppendParams {
  taskId: number | null;
  event: string;
  actor: string;
  fromStage?: string | null;
  toStage?: string | null;
  detail?: Record<string, unknown>;
  now: Date;
}

export type JournalStatus = "started" | "succeeded" | "failed";

/** One paid call. A `started` row that never finished is a possibly charged call. */
export interface JournalEntry {
  id: number;
  taskId: number;
  provider: string;
  model: string;
  requestHash: string;
  status: JournalStatus;
  /** The raw response text, saved the moment it arrived, before parsing. */
  response: string | null;
  error: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

export interface JournalStartParams {
  taskId: number;
  provider: string;
  model: string;
  requestHash: string;
  now: Date;
}

export interface JournalFindParams {
  taskId: number;
  requestHash: string;
}

export interface WorkerInfo {
  id: string;
  /** "worker" (runs tasks) or "scheduler" (runs the cron daemon); health checks each. */
  kind: string;
  host: string;
  pid: number;
  startedAt: Date;
  lastHeartbeatAt: Date;
  inFlight: number;
  /** A drain was requested (holdfast drain) and this worker has not stopped yet. */
  draining: boolean;
  stoppedAt: Date | null;
}

export interface WorkerRegisterParams {
  id: string;
  /** Default "worker". */
  kind?: string;
  host: string;
  pid: number;
  now: Date;
}

export interface WorkerHeartbeatParams {
  id: string;
  inFlight: number;
  now: Date;
}

export interface WorkerHeartbeatResult {
  /** true once `drain` was requested after this worker registered. */
  drainRequested: boolean;
}

export interface LockAcquireParams {
  name: string;
  owner: string;
  ttlMs: number;
  now: Date;
}

export interface LockInfo {
  name: string;
  owner: string;
  expiresAt: Date;
}

/** The writes that may run together inside `transaction`. */
export interface TaskWriter {
  taskAdvance(p: TaskAdvanceParams): Promise<void>;
  taskComplete(p: TaskCompleteParams): Promise<void>;
  taskFail(p: TaskFailParams): Promise<void>;
  taskRelease(p: TaskReleaseParams): Promise<void>;
  auditAppend(p: AuditAppendParams): Promise<void>;
  journalStart(p: JournalStartParams): Promise<JournalEntry>;
  journalSucceed(p: { id: number; response: string; now: Date }): Promise<void>;
  journalFail(p: { id: number; error: string; now: Date }): Promise<void>;
}

export interface TaskStore extends TaskWriter {
  /** "sqlite" or "postgres": for messages and for tests that must skip a capability. */
  readonly dialect: string;

  /** Applies the committed migrations. Idempotent. */
  migrate(): Promise<void>;
  /** Cheap round trip, for health checks. Throws when the database is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;

  /**
   * Runs `fn` in one database transaction: everything it writes through `tx` commits
   * together, or — when it throws — nothing does. Do not use the outer store inside `fn`.
   */
  transaction<T>(fn: (tx: TaskWriter) => Promise<T>): Promise<T>;

  taskAdd(p: TaskAddParams): Promise<TaskAddResult>;
  taskGet(id: number): Promise<TaskRow | null>;
  taskList(p: { stage?: string; limit?: number; afterId?: number }): Promise<TaskRow[]>;
  taskCounts(p: { now: Date }): Promise<TaskCounts>;
  /** Rows that moved to the failed stage at or after `since` (health: "failed in the last hour"). */
  taskCountFailedSince(p: { since: Date }): Promise<number>;
  /** The row's result saved by taskComplete, if any. */
  taskResult(id: number): Promise<Record<string, unknown> | null>;

  /**
   * One statement (Postgres: FOR UPDATE SKIP LOCKED; SQLite: BEGIN IMMEDIATE) that picks up
   * to `limit` ready rows with no live lease, oldest first, and leases them to `owner` with a
   * fresh token each, `attempts + 1`. A row is never held by two workers at once.
   */
  taskClaim(p: TaskClaimParams): Promise<ClaimedTask[]>;
  /**
   * Extends the given leases of `owner` that it still holds (same token), in one statement.
   * Returns those, so the worker learns which rows it lost.
   */
  taskExtendLeases(p: TaskExtendParams): Promise<LeaseRef[]>;

  /** Read only: what recovery would change. */
  taskFindStuck(p: TaskFindStuckParams): Promise<StuckTask[]>;
  /**
   * Releases stuck rows to their stage's release target with the attempt counted, or moves
   * them to the failed stage once attempts ≥ maxAttempts. The stuck condition is re-checked
   * in the write itself, so two recoveries racing change each row once; each change writes
   * one audit event in the same transaction. Returns only what this call changed.
   */
  taskRecoverStuck(p: TaskRecoverStuckParams): Promise<RecoveryAction[]>;

  auditList(p: { taskId?: number; limit?: number }): Promise<AuditEvent[]>;

  /** A succeeded entry for the same task and request, to reuse instead of paying again. */
  journalFindSucceeded(p: JournalFindParams): Promise<JournalEntry | null>;
  journalList(p: { taskId?: number; status?: JournalStatus; limit?: number }): Promise<JournalEntry[]>;
  /** Calls started and never answered: possibly charged, never silently lost. */
  journalCountPossiblyCharged(): Promise<number>;

  workerRegister(p: WorkerRegisterParams): Promise<void>;
  workerHeartbeat(p: WorkerHeartbeatParams): Promise<WorkerHeartbeatResult>;
  workerStopped(p: { id: string; now: Date }): Promise<void>;
  workerList(p: { includeStopped?: boolean }): Promise<WorkerInfo[]>;
  /** Asks every running worker to stop after its current work (`holdfast drain`). */
  workerRequestDrain(p: { now: Date }): Promise<number>;

  /**
   * Takes the named lock, or renews it when `owner` already holds it, or takes it over when
   * its holder let it expire. Returns false when someone else holds a live lock.
   */
  lockAcquire(p: LockAcquireParams): Promise<boolean>;
  lockRelease(p: { name: string; owner: string }): Promise<void>;
  lockGet(name: string): Promise<LockInfo | null>;
}
