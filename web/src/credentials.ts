/** Whom a token speaks for: a player (the play view) or a backend service (the operate view). */
export type TokenRole = "player" | "service";

/** Where the console's bearer tokens come from. */
export interface Credentials {
  /** Development mode: the server mints a token per player; otherwise one pasted token for all. */
  readonly development: boolean;
  token(role: TokenRole, subject: string): Promise<string>;
}

/** No token is available: the operator has not pasted one. */
export class MissingTokenError extends Error {
  override readonly name = "MissingTokenError";
}

const DEV_TOKEN_PATH = "/dev/token";
const PASTED_TOKEN_KEY = "matchmaker.console.token";
/** Fetch a new development token this long before the old one expires. */
const REFRESH_MARGIN_MS = 60_000;

interface MintedToken {
  readonly token: string;
  readonly expiresAt: string;
}

/**
 * Asks the server for a development token: a server in development mode answers with one, any
 * other server has no such endpoint (404), and the console falls back to a pasted token.
 */
export async function detectCredentials(): Promise<Credentials> {
  const probe = await mint("service", "console").catch(() => undefined);
  return probe === undefined ? pastedToken() : developmentTokens(probe);
}

async function mint(role: TokenRole, subject: string): Promise<MintedToken> {
  const url = new URL(DEV_TOKEN_PATH, location.origin);
  url.search = new URLSearchParams({ role, subject }).toString();
  const response = await fetch(url);
  if (!response.ok) throw new MissingTokenError(`the server mints no development tokens (HTTP ${response.status})`);
  return (await response.json()) as MintedToken;
}

function developmentTokens(first: MintedToken): Credentials {
  const cache = new Map<string, MintedToken>([["service:console", first]]);
  return {
    development: true,
    async token(role, subject) {
      const key = `${role}:${subject}`;
      const cached = cache.get(key);
      if (cached !== undefined && Date.parse(cached.expiresAt) - Date.now() > REFRESH_MARGIN_MS) return cached.token;
      const minted = await mint(role, subject);
      cache.set(key, minted);
      return minted.token;
    },
  };
}

/** The token an operator pasted, kept for the browser tab's session only. */
function pastedToken(): Credentials {
  return {
    development: false,
    async token() {
      const token = sessionStorage.getItem(PASTED_TOKEN_KEY);
      if (token === null || token === "") throw new MissingTokenError("paste a token first (a service token for the operate view)");
      return token;
    },
  };
}

/** Stores the token a production console's operator pasted. */
export function setPastedToken(token: string): void {
  sessionStorage.setItem(PASTED_TOKEN_KEY, token.trim().replace(/^Bearer\s+/i, ""));
}
