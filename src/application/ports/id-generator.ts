/** Makes the ids of tickets and matches. Injected so tests can use readable ones. */
export interface IdGenerator {
  ticketId(): string;
  matchId(): string;
}

/**
 * 128 random bits, base64url: ticket ids double as capabilities for players who hold them, so they
 * must be unguessable.
 */
export const randomIds: IdGenerator = {
  ticketId: () => randomToken(16),
  matchId: () => globalThis.crypto.randomUUID(),
};

/** Web-standard APIs only, so the application layer runs wherever `crypto` and `btoa` exist. */
function randomToken(bytes: number): string {
  const buffer = globalThis.crypto.getRandomValues(new Uint8Array(bytes));
  const base64 = btoa(String.fromCharCode(...buffer));
  return base64.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
