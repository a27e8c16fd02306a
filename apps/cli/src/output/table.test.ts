import { describe, expect, it } from "vitest";
import { formatDuration } from "./format.js";
import { formatTable } from "./table.js";

describe("formatTable", () => {
  it("aligns columns, right-aligns numbers and shows empty cells as -", () => {
    const text = formatTable(
      ["id", "stage", "attempts"],
      [
        [7, "processing", 1],
        [12, "pending", null],
      ],
    );
    expect(text).toBe(
      [
        "id  stage       attempts",
        "--  ----------  --------",
        " 7  processing  1",
        "12  pending     -",
        "",
      ].join("\n"),
    );
  });
});

describe("formatDuration", () => {
  it.each([
    [850, "850ms"],
    [12_000, "12s"],
    [185_000, "3m 05s"],
    [3_720_000, "1h 02m"],
    [90_000_000, "1d 01h"],
  ])("%d ms → %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
