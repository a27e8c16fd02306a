/**
 * What the scheduler reports as it goes, one JSON line each on stdout: for operators, and for
 * tests that wait for an event instead of sleeping. Diagnostics go to the logger (stderr).
 */
export type SchedulerEvent =
  | { event: "listening"; port: number; schedulerId: string }
  | { event: "registered"; schedulerId: string; jobs: string[] }
  | { event: "job-started"; job: string; tick: string; schedulerId: string; at: string }
  | {
      event: "job-finished";
      job: string;
      tick: string;
      schedulerId: string;
      outcome: "ok" | "failed";
      durationMs: number;
      at: string;
      detail?: Record<string, unknown>;
      error?: string;
    }
  | {
      event: "job-skipped";
      job: string;
      tick: string;
      schedulerId: string;
      reason: "onOneServer" | "withoutOverlapping" | "stopping";
      heldBy: string | null;
      at: string;
    }
  | { event: "tick-error"; job: string; tick: string; message: string; at: string }
  | {
      event: "analysis-task";
      type: "claimed" | "completed" | "failed" | "released";
      taskId: number;
      tick: string;
    }
  | { event: "alert-sent"; job: string; status: string; webhook: string }
  | { event: "alert-failed"; job: string; status: string; message: string }
  | { event: "stopping"; reason: string }
  | { event: "stopped"; exitCode: number };

export type EmitEvent = (event: SchedulerEvent) => void;

/** Writes events as JSON lines (stdout writes to pipes and files are synchronous on Linux). */
export function jsonLineEmitter(stream: NodeJS.WritableStream = process.stdout): EmitEvent {
  return (event) => {
    stream.write(`${JSON.stringify(event)}\n`);
  };
}
