import { ConfigError } from "../../config/config-error.ts";

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
export function readMatchTicketConfig(env: Readonly<Record<string, string | undefined>>): MatchTicketConfig {
  return {
    ttlSeconds: readTtlSeconds(nonEmpty(env[MATCH_TICKET_ENV.ttlSeconds])),
    issuer: nonEmpty(env[MATCH_TICKET_ENV.issuer]) ?? DEFAULT_ISSUER,
    keyFile: nonEmpty(env[MATCH_TICKET_ENV.keyFile]),
  };
}

function readTtlSeconds(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_TTL_SECONDS;
  const seconds = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(seconds >= MIN_TTL_SECONDS && seconds <= MAX_TTL_SECONDS)) {
    throw new ConfigError(
      MATCH_TICKET_ENV.ttlSeconds,
      `must be a whole number of seconds from ${MIN_TTL_SECONDS} to ${MAX_TTL_SECONDS}, got "${raw}"`,
    );
  }
  return seconds;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === "" ? undefined : trimmed;
}
