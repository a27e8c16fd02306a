import { createHash } from "node:crypto";

/** JSON with object keys sorted at every level, so equal requests hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      );
    }
    return v;
  });
}

/** The journal's request hash: SHA-256 (hex) of the canonical JSON of what identifies the request. */
export function requestHash(descriptor: unknown): string {
  return createHash("sha256").update(canonicalJson(descriptor)).digest("hex");
}
