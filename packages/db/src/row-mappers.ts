import type { AuditEvent, JournalEntry, StuckTask, TaskRow, WorkerInfo } from "@holdfast/core";

export type Row = Record<string, unknown>;

/**
 * Database rows → the port's types, for both dialects. They differ only in how a time and
 * a JSON document come back (SQLite: epoch ms and text; Postgres: Date and parsed jsonb).
 */
export function rowMappers(time: (v: unknown) => Date | null, doc: (v: unknown) => Record<string, unknown>) {
  const str = (v: unknown) => (v as string | null) ?? null;
  return {
    task: (r: Row): TaskRow => ({
      id: Number(r.id),
      sourceId: String(r.source_id),
      stage: String(r.stage),
      data: doc(r.data),
      attempts: Number(r.attempts),
      leaseOwner: str(r.lease_owner),
      leaseToken: str(r.lease_token),
      leaseExpiresAt: time(r.lease_expires_at),
      lastError: str(r.last_error),
      createdAt: time(r.created_at) as Date,
      updatedAt: time(r.updated_at) as Date,
    }),
    stuck: (r: Row): StuckTask => ({
      id: Number(r.id),
      sourceId: String(r.source_id),
      stage: String(r.stage),
      attempts: Number(r.attempts),
      leaseOwner: str(r.lease_owner),
      leaseExpiresAt: time(r.lease_expires_at),
      updatedAt: time(r.updated_at) as Date,
      kind: r.kind as StuckTask["kind"],
    }),
    journal: (r: Row): JournalEntry => ({
      id: Number(r.id),
      taskId: Number(r.video_id),
      provider: String(r.provider),
      model: String(r.model),
      requestHash: String(r.request_hash),
      status: r.status as JournalEntry["status"],
      response: str(r.response),
      error: str(r.error),
      startedAt: time(r.started_at) as Date,
      finishedAt: time(r.finished_at),
    }),
    audit: (r: Row): AuditEvent => ({
      id: Number(r.id),
      taskId: r.video_id == null ? null : Number(r.video_id),
      event: String(r.event),
      actor: String(r.actor),
      fromStage: str(r.from_stage),
      toStage: str(r.to_stage),
      detail: doc(r.detail),
      at: time(r.at) as Date,
    }),
    worker: (r: Row): WorkerInfo => ({
      id: String(r.id),
      kind: String(r.kind),
      host: String(r.host),
      pid: Number(r.pid),
      startedAt: time(r.started_at) as Date,
      lastHeartbeatAt: time(r.last_heartbeat_at) as Date,
      inFlight: Number(r.in_flight),
      draining: r.drain_requested_at != null && r.stopped_at == null,
      stoppedAt: time(r.stopped_at),
    }),
  };
}
