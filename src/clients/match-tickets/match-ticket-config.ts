import { type Environment, integer, optionalText, text } from "../../config/env.ts";

/** Environment variables that configure match tickets, by setting. */
export const MATCH_TICKET_ENV = {
  ttlSeconds: "MATCHMAKER_MATCH_TICKET_TTL_SECONDS",
  issuer: "MATCHMAKER_MATCH_TICKET_ISSUER",
  keyFile: "MATCHMAKER_MATCH_TICKET_KEY_FILE",
} as const;

const DEFAULT_TTL_SECONDS = 30;
const MIN_TTL_SECONDS = 5;
const MAX_TTL_SECONDS = 600;
const DEFAULT_ISSUER = "matchmaker";

/** How match tickets are minted. */
export interface MatchTicketConfig {
  /**
   * How long a ticket is accepted after it is issued. Short, because a player normally connects
   * within seconds and a leaked ticket should die quickly; long enough for slow launchers.
   */
  readonly ttlSeconds: number;
  /** The `iss` claim; game servers verifying offline check it. */
  readonly issuer: string;
  /**
   * PKCS#8 PEM file holding the Ed25519 signing key. Every instance that issues or redeems tickets
   * for the same fleet must use the same file. Undefined: a key is generated at start-up, which
   * only suits a single development instance.
   */
  readonly keyFile: string | undefined;
}

/** Reads {@link MatchTicketConfig} from the environment; empty variables count as unset. */
export function readMatchTicketConfig(env: Environment): MatchTicketConfig {
  return {
    ttlSeconds: integer(env, MATCH_TICKET_ENV.ttlSeconds, {
      fallback: DEFAULT_TTL_SECONDS,
      min: MIN_TTL_SECONDS,
      max: MAX_TTL_SECONDS,
      expected: `a whole number of seconds from ${MIN_TTL_SECONDS} to ${MAX_TTL_SECONDS}`,
    }),
    issuer: text(env, MATCH_TICKET_ENV.issuer, DEFAULT_ISSUER),
    keyFile: optionalText(env, MATCH_TICKET_ENV.keyFile),
  };
}
