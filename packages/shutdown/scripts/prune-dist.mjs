// After `tsc`, deletes files in dist/ whose source in src/ is gone (so a renamed module is
// never packed). dist/ is not wiped before the build: other packages' tests import it, and
// a build running next to them must never leave it missing, even for a moment.
import { existsSync, readdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dist = fileURLToPath(new URL("../dist/", import.meta.url));
const src = fileURLToPath(new URL("../src/", import.meta.url));
for (const file of readdirSync(dist)) {
  const base = file.replace(/\.(d\.ts|js)(\.map)?$/, "");
  if (!existsSync(`${src}${base}.ts`) || base.endsWith(".test")) rmSync(`${dist}${file}`);
}
