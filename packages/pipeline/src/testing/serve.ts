/** The port from argv[2] or PORT; 0 (any free port) when neither is given. */
export function servePort(): number {
  const raw = process.argv[2] ?? process.env.PORT ?? "0";
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`invalid port ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return port;
}

/** Announces the port on stdout (one JSON line) and closes on SIGTERM/SIGINT. */
export function serveUntilSignal(
  name: string,
  emulator: { port: number; url: string; close(): Promise<void> },
): void {
  process.stdout.write(
    `${JSON.stringify({ event: "listening", emulator: name, port: emulator.port, url: emulator.url })}\n`,
  );
  const stop = () => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
