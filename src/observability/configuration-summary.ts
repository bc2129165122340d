import type { AuthConfig } from "../clients/auth/auth-config.ts";
import type { FleetRoutingConfig } from "../clients/fleet/fleet-config.ts";
import type { MatchTicketConfig } from "../clients/match-tickets/match-ticket-config.ts";
import type { ServerSettings } from "../config/server-settings.ts";
import type { QueueConfig } from "../domain/queue-config.ts";

/** Everything the process was configured with, after defaults. */
export interface EffectiveConfiguration {
  readonly env: NodeJS.ProcessEnv;
  readonly settings: ServerSettings;
  readonly auth: AuthConfig;
  readonly matchTickets: MatchTicketConfig;
  readonly queues: readonly QueueConfig[];
  readonly routing: FleetRoutingConfig;
}

/**
 * The start-up summary an operator reads to know what this instance actually runs with: the
 * `MATCHMAKER_*` variables as set (secret values are censored by the logger's redaction, see
 * `REDACTED_PATHS`), the settings with their defaults, where token keys come from (never the keys),
 * and the queues and fleets.
 */
export function configurationSummary(configuration: EffectiveConfiguration): Record<string, unknown> {
  const { env, settings, auth, matchTickets, queues, routing } = configuration;
  return {
    environment: Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith("MATCHMAKER_")).sort()),
    settings,
    auth: {
      keySources: [
        ...(auth.keys.jwksUrl === undefined ? [] : [`jwks ${auth.keys.jwksUrl.href}`]),
        ...(auth.keys.publicKey === undefined ? [] : [`public key (${auth.keys.publicKey.algorithm})`]),
        ...(auth.keys.sharedSecret === undefined ? [] : ["shared secret (HS256)"]),
      ],
      issuer: auth.issuer,
      audience: auth.audience,
      clockToleranceSeconds: auth.clockToleranceSeconds,
      cacheMaxEntries: auth.cacheMaxEntries,
      developmentSecretFile: auth.developmentSecretFile,
    },
    matchTickets,
    queues: queues.map((queue) => ({
      name: queue.name,
      teams: `${queue.teamCount}x${queue.teamSize}`,
      partySize: `${queue.minPartySize}-${queue.maxPartySize}`,
      regions: queue.regions.map((region) => region.name),
      ticketTtlMs: queue.ticketTtlMs,
      tickIntervalMs: queue.tickIntervalMs,
    })),
    fleets: routing,
  };
}
