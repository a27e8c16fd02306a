import { HEALTH_STATUS, type HealthReport } from "./health.js";

/**
 * The Slack-compatible message (`{"text": …}`; Mattermost, Rocket.Chat, Discord's /slack
 * endpoint and Google Chat read the same) for a report that is not OK.
 */
export function alertMessage(report: HealthReport, where: string): { text: string } {
  const bad = report.checks.filter((c) => c.status !== HEALTH_STATUS.OK);
  const lines = bad.map((c) => `• ${c.name}: ${c.message}`);
  return { text: [`holdfast health ${report.statusName} (${where})`, ...lines].join("\n") };
}

/**
 * Where a webhook goes, for messages. A Slack webhook URL is itself a secret (anyone who has
 * it can post), so only the scheme and host are ever shown.
 */
export function webhookHost(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "(invalid URL)";
  }
}

/** Posts the message; an error names the host only, never the URL's path (the token). */
export async function postAlert(
  url: string,
  body: { text: string },
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<void> {
  const host = webhookHost(url);
  const timeout = AbortSignal.timeout(options.timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: options.signal ? AbortSignal.any([timeout, options.signal]) : timeout,
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new Error(`alert webhook ${host} unreachable: ${cause}`);
  }
  // Drain the body so the connection is released; its text is not echoed (it may repeat the URL).
  await res.arrayBuffer().catch(() => {});
  if (!res.ok) throw new Error(`alert webhook ${host} answered HTTP ${res.status}`);
}
