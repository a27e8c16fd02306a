import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { onCleanup } from "./helpers.js";

/**
 * The standalone entries run from the built package (dist/), as the CLI tests and the
 * chaos suite will start them; `pnpm build` (or `pnpm test`, which builds first) makes them.
 */
async function serve(
  entry: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string; port: number }> {
  const script = fileURLToPath(new URL(`../dist/testing/${entry}.js`, import.meta.url));
  const child = spawn(process.execPath, [script, "0"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  onCleanup(async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [first] = (await once(lines, "line")) as [string];
  const announced = JSON.parse(first) as { event: string; port: number; url: string };
  expect(announced.event).toBe("listening");
  return { child, url: announced.url, port: announced.port };
}

describe("emulators as their own processes", () => {
  it("serve-gemini announces its port, takes faults over HTTP, counts calls and stops on SIGTERM", async () => {
    const { child, url, port } = await serve("serve-gemini", { GEMINI_EMULATOR_API_KEY: "k" });
    expect(url).toBe(`http://127.0.0.1:${port}`);
    const fault = await fetch(`${url}/_emulator/faults`, {
      method: "POST",
      body: JSON.stringify({ fault: { kind: "status", status: 503 }, times: 1 }),
    });
    expect(fault.status).toBe(200);
    const call = () =>
      fetch(`${url}/v1beta/models/gemini-2.5-flash:generateContent`, {
        method: "POST",
        headers: { "x-goog-api-key": "k", "content-type": "application/json" },
        body: JSON.stringify({ contents: [{ parts: [{ text: "hi" }] }] }),
      });
    expect((await call()).status).toBe(503);
    expect((await call()).status).toBe(200);
    expect(await (await fetch(`${url}/_emulator/stats`)).json()).toEqual({ calls: 2, pendingFaults: 0 });
    child.kill("SIGTERM");
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(0);
  });

  it("serve-gcs announces its port and answers the JSON API", async () => {
    const { url } = await serve("serve-gcs");
    const missing = await fetch(`${url}/storage/v1/b/bucket/o/${encodeURIComponent("videos/x.mp4")}`);
    expect(missing.status).toBe(404);
    expect(await (await fetch(`${url}/_emulator/stats`)).json()).toMatchObject({
      calls: { metadata: 1 },
      objects: 0,
    });
  });
});
