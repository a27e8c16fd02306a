import { Cron } from "croner";

/** setTimeout's limit is ~24.8 days; longer waits are re-checked on the way. */
const MAX_WAIT_MS = 2 ** 31 - 1;

export interface CronTicker {
  stop(): void;
}

/**
 * Calls `onTick(scheduled)` at each time the pattern names, with the SCHEDULED time (whole
 * seconds), not the moment the timer fired. onOneServer names its lock after that time, so
 * every scheduler must agree on it even when their timers fire a few milliseconds apart —
 * croner's own callback only tells the firing time, hence our own timer around its pattern
 * arithmetic.
 *
 * Ticks missed while the event loop was blocked are skipped, not replayed in a burst: the
 * next tick does the same work.
 */
export function startCronTicker(pattern: string, onTick: (scheduled: Date) => void): CronTicker {
  const cron = new Cron(pattern, { paused: true, mode: "5-or-6-parts" });
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const arm = (after: Date) => {
    if (stopped) return;
    const next = cron.nextRun(after);
    if (!next) return;
    const wait = () => {
      if (stopped) return;
      const ms = next.getTime() - Date.now();
      if (ms > 0) {
        timer = setTimeout(wait, Math.min(ms, MAX_WAIT_MS));
        return;
      }
      onTick(next);
      arm(new Date(Math.max(next.getTime(), Date.now())));
    };
    wait();
  };
  arm(new Date());
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      cron.stop();
    },
  };
}
