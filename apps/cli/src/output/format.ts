/** "1h 02m", "3m 05s", "12s", "850ms": short enough for a table column. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "-";
  const sign = ms < 0 ? "-" : "";
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${Math.round(rest)}ms`;
  rest = Math.floor(rest / 1000);
  const d = Math.floor(rest / 86_400);
  const h = Math.floor((rest % 86_400) / 3600);
  const m = Math.floor((rest % 3600) / 60);
  const s = rest % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  if (d > 0) return `${sign}${d}d ${two(h)}h`;
  if (h > 0) return `${sign}${h}h ${two(m)}m`;
  if (m > 0) return `${sign}${m}m ${two(s)}s`;
  return `${sign}${s}s`;
}

/** ISO 8601 without milliseconds, in UTC: sortable and the same on every host. */
export function formatTime(date: Date | null | undefined): string {
  if (!date) return "-";
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** "1 video", "3 videos". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** JSON for --json: dates as ISO strings, two-space indented, one trailing newline. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** A SHA-256 source id is 64 characters: tables show its first 12, --json shows it whole. */
export function shortId(id: string): string {
  return /^[0-9a-f]{64}$/.test(id) ? `${id.slice(0, 12)}…` : id;
}
