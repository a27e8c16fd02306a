import { inspect } from "node:util";

const REDACTED = "[redacted]";

/**
 * A secret value (API key, token) that does not leak by accident: JSON.stringify, template
 * strings, util.inspect and console.log all print "[redacted]". Only `reveal()` returns it,
 * and only the one adapter file that sends it calls that.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return REDACTED;
  }
  toString(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}

/** Removes user:password@ from a URL so an endpoint can be logged; non-URLs pass through. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = REDACTED;
    parsed.password = "";
    return parsed.toString();
  } catch {
    return url;
  }
}

/** Replaces every occurrence of the secrets' values in a message (an SDK error may echo a URL). */
export function scrubSecrets(message: string, secrets: ReadonlyArray<Secret | undefined>): string {
  let out = message;
  for (const secret of secrets) {
    const value = secret?.reveal();
    if (value && value.length >= 4) out = out.split(value).join(REDACTED);
  }
  return out;
}
