import type { Clock } from "../application/ports/clock.ts";
import { mintToken, type TokenRole } from "../clients/auth/mint-token.ts";
import { LIMITS } from "./request-fields.ts";
import type { HttpRoute } from "./http-routes.ts";
import { errorMessage } from "../shared/error-message.ts";

/** Where the development console fetches its tokens. */
export const DEV_TOKEN_PATH = "/dev/token";

/** Roles the endpoint mints for: players for the play view, a service for the operate view. */
const MINTABLE_ROLES: readonly TokenRole[] = ["player", "service"];

/** Options of {@link devTokenRoute}. */
export interface DevTokenRouteOptions {
  /** The development secret the server's own verifier accepts. */
  readonly secret: Uint8Array;
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
  readonly ttlSeconds: number;
  readonly clock: Clock;
}

/**
 * `GET /dev/token?role=player&subject=alice`: mints a short-lived token signed with the development
 * secret, answering `{"token": "...", "expiresAt": "<RFC 3339>"}`.
 *
 * This hands a credential for any user to anyone who can reach the port, which is exactly what a
 * developer's web console needs and exactly what production must never do: register it only when
 * the server runs in development mode on its own development secret.
 */
export function devTokenRoute(options: DevTokenRouteOptions): HttpRoute {
  return (request, response) => {
    const headers = { "content-type": "application/json", "cache-control": "no-store" };
    const parsed = parseQuery(new URL(request.url ?? "/", "http://host").searchParams);
    if ("error" in parsed) {
      response.writeHead(400, headers);
      response.end(JSON.stringify(parsed));
      return;
    }
    const { role, subject } = parsed;
    // mintToken counts whole seconds from the same clock reading.
    const expiresAt = new Date((Math.floor(options.clock.now() / 1000) + options.ttlSeconds) * 1000);
    mintToken({ ...options, role, subject }).then(
      (token) => {
        response.writeHead(200, headers);
        response.end(JSON.stringify({ token, expiresAt: expiresAt.toISOString() }));
      },
      (error: unknown) => {
        response.writeHead(500, headers);
        response.end(JSON.stringify({ error: errorMessage(error) }));
      },
    );
  };
}

function parseQuery(query: URLSearchParams): { role: TokenRole; subject: string } | { error: string } {
  const requested = query.get("role") ?? "player";
  const role = MINTABLE_ROLES.find((mintable) => mintable === requested);
  if (role === undefined) return { error: `role: must be one of ${MINTABLE_ROLES.join(", ")}, got "${requested}"` };
  const subject = query.get("subject") ?? "";
  if (subject.length === 0 || subject.length > LIMITS.idLength) return { error: `subject: must be 1 to ${LIMITS.idLength} characters` };
  return { role, subject };
}
