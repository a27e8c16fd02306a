/** A database URL fit for messages and logs: the password (and any secret query value) removed. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    for (const key of [...u.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(key)) u.searchParams.set(key, "***");
    }
    return u.toString();
  } catch {
    // Not a URL (a file path): nothing secret in it, but never echo a malformed URL whole.
    return url.includes("@") ? url.replace(/\/\/[^@]*@/, "//***@") : url;
  }
}
