import { visibleLength } from "./colors.js";

export type Cell = string | number | boolean | null | undefined;

/**
 * A plain text table: a header row, a rule, and left-aligned columns (numbers right-aligned).
 * Deliberately free of box-drawing characters so it survives grep, logs and copy-paste.
 */
export function formatTable(headers: string[], rows: Cell[][]): string {
  const text = rows.map((r) => r.map(cellText));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => visibleLength(r[i] ?? ""))));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === "number"));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => {
        const pad = " ".repeat(Math.max(0, (widths[i] ?? 0) - visibleLength(c)));
        return numeric[i] ? pad + c : c + pad;
      })
      .join("  ")
      .trimEnd();
  return `${[line(headers), line(widths.map((w) => "-".repeat(w))), ...text.map(line)].join("\n")}\n`;
}

function cellText(c: Cell): string {
  if (c === null || c === undefined || c === "") return "-";
  if (typeof c === "boolean") return c ? "yes" : "no";
  return String(c).replace(/\s*\n\s*/g, " ");
}
