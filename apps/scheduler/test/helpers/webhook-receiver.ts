import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A chat webhook stand-in: resolves `received` with the first POST it gets, then closes. */
export async function startWebhookReceiver(): Promise<{
  port: number;
  received: Promise<{ path: string; body: { text: string } }>;
}> {
  let deliver: (r: { path: string; body: { text: string } }) => void = () => {};
  const received = new Promise<{ path: string; body: { text: string } }>((resolve) => {
    deliver = resolve;
  });
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (c: string) => {
      body += c;
    });
    req.on("end", () => {
      res.end("ok");
      server.close();
      deliver({ path: req.url ?? "", body: JSON.parse(body) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, received };
}
