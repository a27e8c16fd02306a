import type { Logger, TaskStore } from "@holdfast/core";

/**
 * Registers this scheduler (`kind: "scheduler"`) and heartbeats, so `holdfast health` and
 * `check` can tell a silent scheduler (nothing sweeps stuck rows) from a running one — the
 * seed checked with `ps aux | grep artisan`. A failed heartbeat is logged and retried at the
 * next interval; it never stops the scheduler.
 */
export async function registerScheduler(options: {
  store: TaskStore;
  id: string;
  host: string;
  intervalMs: number;
  logger: Logger;
}): Promise<{ stop(): Promise<void> }> {
  const { store, id, host, logger } = options;
  await store.workerRegister({ id, kind: "scheduler", host, pid: process.pid, now: new Date() });
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    store
      .workerHeartbeat({ id, inFlight: 0, now: new Date() })
      .catch((err) => logger.warn({ err: (err as Error).message }, "scheduler heartbeat failed"))
      .finally(() => {
        busy = false;
      });
  }, options.intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await store
        .workerStopped({ id, now: new Date() })
        .catch((err) => logger.warn({ err: (err as Error).message }, "could not mark the scheduler stopped"));
    },
  };
}
