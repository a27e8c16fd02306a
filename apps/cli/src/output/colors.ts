import type { Writable } from "node:stream";

type Env = Record<string, string | undefined>;

/**
 * Colours only for a person at a terminal: never when NO_COLOR is set (no-color.org), always
 * when FORCE_COLOR asks for them, otherwise only when the stream is a TTY. clipanion's own
 * detection ignores whether stdout is a TTY, so main.ts passes this to it as `colorDepth`.
 */
export function colorDepth(stream: Writable, env: Env): number {
  if (env.NO_COLOR) return 1;
  if (env.FORCE_COLOR === "0") return 1;
  if (env.FORCE_COLOR) return 8;
  const tty = stream as Writable & { isTTY?: boolean; getColorDepth?: (env?: Env) => number };
  if (!tty.isTTY) return 1;
  return tty.getColorDepth?.(env) ?? 8;
}

export interface Palette {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const plain: Palette = { bold: id, dim: id, red: id, green: id, yellow: id, cyan: id };
function id(s: string): string {
  return s;
}
const wrap = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;
const rich: Palette = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
};

export function palette(depth: number): Palette {
  return depth > 1 ? rich : plain;
}

/** The printed width of a string, ignoring colour codes. */
export function visibleLength(s: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI colour codes is the point
  return s.replace(/\x1b\[[0-9;]*m/g, "").length;
}
