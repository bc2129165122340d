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

function randomToken(bytes: number): string {
  const buffer = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(buffer);
  return Buffer.from(buffer).toString("base64url");
}
