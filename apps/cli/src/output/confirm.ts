import { createInterface } from "node:readline/promises";
import type { Readable, Writable } from "node:stream";

/**
 * Asks a yes/no question on a terminal. Only "y" or "yes" is a yes; anything else, an empty
 * answer, or the input closing (Ctrl-D) is a no. Callers must check that stdin is a TTY
 * first: without one nobody can answer, and the seed's `confirm()` silently answered "no".
 */
export async function confirm(question: string, input: Readable, output: Writable): Promise<boolean> {
  const rl = createInterface({ input, output, terminal: true });
  try {
    const closed = new Promise<string>((resolve) => rl.once("close", () => resolve("")));
    const answer = await Promise.race([rl.question(`${question} [y/N] `), closed]);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
