import { loadAuthConfig } from "../../../../src/clients/auth/auth-config.ts";
import { createTokenVerifier, type TokenVerifier } from "../../../../src/clients/auth/token-verifier.ts";
import type { ManualClock } from "../../../support/manual-clock.ts";

/** A verifier configured from `env` exactly as a production server would be, on the test's clock. */
export function productionVerifier(env: NodeJS.ProcessEnv, clock: ManualClock): TokenVerifier {
  return createTokenVerifier(loadAuthConfig(env, { development: false }), { clock });
}
