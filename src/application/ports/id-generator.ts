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
  ticketId: () => randomToken16(),
  matchId: () => globalThis.crypto.randomUUID(),
};

const TOKEN_BYTES = 16;
const TOKEN_CHARACTERS = 22;
/** 256 tokens per refill: one call into the CSPRNG instead of one per ticket. */
const POOL_BYTES = 256 * TOKEN_BYTES;
const BASE64URL = Uint8Array.from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", (character) => character.charCodeAt(0));
const pool = new Uint8Array(POOL_BYTES);
let poolOffset = POOL_BYTES;
/** The character codes of the token being made, reused from one token to the next. */
const codes = new Array<number>(TOKEN_CHARACTERS).fill(0);

/**
 * 16 random bytes as 22 characters of unpadded base64url. Web-standard APIs only, so the
 * application layer runs wherever `crypto` exists.
 *
 * The bytes come from a pool refilled from the CSPRNG 4 KiB at a time (as Node's own `randomUUID`
 * buffers its entropy): a `getRandomValues` call per ticket, with the base64 round trip through
 * `btoa`, cost more than the rest of building a ticket. Each byte is handed out once. The string is
 * made in one piece from its character codes: appended piece by piece it is a chain of
 * concatenations that every map keyed by the id flattens (copies) and hashes first.
 */
function randomToken16(): string {
  if (poolOffset === POOL_BYTES) {
    globalThis.crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  let at = poolOffset;
  poolOffset += TOKEN_BYTES;
  let next = 0;
  // Five groups of 3 bytes make 20 characters; the 16th byte makes the last 2 (no padding).
  for (let group = 0; group < 5; group++, at += 3) {
    const bits = (pool[at]! << 16) | (pool[at + 1]! << 8) | pool[at + 2]!;
    codes[next++] = BASE64URL[bits >> 18]!;
    codes[next++] = BASE64URL[(bits >> 12) & 63]!;
    codes[next++] = BASE64URL[(bits >> 6) & 63]!;
    codes[next++] = BASE64URL[bits & 63]!;
  }
  const last = pool[at]!;
  codes[next++] = BASE64URL[last >> 2]!;
  codes[next] = BASE64URL[(last & 3) << 4]!;
  return String.fromCharCode(...codes);
}
