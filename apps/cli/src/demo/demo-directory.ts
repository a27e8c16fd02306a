import { existsSync } from "node:fs";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { CliError } from "../errors.js";

const MARKER = ".holdfast-demo";

/**
 * A fresh directory for the demo. A directory the demo made before (it carries a marker
 * file) is emptied; any other non-empty directory is refused: the demo never deletes
 * files it did not create.
 */
export async function prepareDemoDirectory(dir: string): Promise<string> {
  const abs = resolve(dir);
  if (existsSync(abs)) {
    const entries = await readdir(abs);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new CliError(`${abs} exists and was not made by \`holdfast demo\`: choose another --dir`);
    }
    await rm(abs, { recursive: true, force: true });
  }
  await mkdir(abs, { recursive: true });
  await writeFile(join(abs, MARKER), "made by `holdfast demo`; the next demo run empties this directory\n");
  return abs;
}
