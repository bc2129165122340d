/**
 * Prints a signed HS256 token for local development and manual testing:
 *
 *   npm run -s token -- player alice [--ttl 3600]
 *   npm run -s token -- service my-backend
 *   npm run -s token -- gameserver gs-eu-1
 *
 * Signs with MATCHMAKER_AUTH_HS256_SECRET when set, otherwise with the development secret the server
 * uses in development mode (created on first use), and adds MATCHMAKER_AUTH_ISSUER / _AUDIENCE when
 * set, reading the environment exactly as the server does so the token is accepted.
 */
import { parseArgs } from "node:util";
import { loadAuthConfig } from "../clients/auth/auth-config.ts";
import { ConfigError } from "../config/config-error.ts";
import { TOKEN_ROLES, mintToken, type TokenRole } from "../clients/auth/mint-token.ts";
import { errorMessage } from "../shared/error-message.ts";

const USAGE = `usage: npm run -s token -- <${TOKEN_ROLES.join("|")}> <subject> [--ttl <seconds>]`;
const MAX_TTL_SECONDS = 30 * 24 * 3600;

/** The command line could not be understood; printed with the usage line. */
class UsageError extends Error {
  override readonly name = "UsageError";
}

interface MintCommand {
  readonly role: TokenRole;
  readonly subject: string;
  readonly ttlSeconds: number | undefined;
}

function parseCommand(args: readonly string[]): MintCommand {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], allowPositionals: true, options: { ttl: { type: "string" } } });
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
  const [role, subject, ...extra] = parsed.positionals;
  if (!isTokenRole(role)) throw new UsageError(`unknown role "${String(role)}"`);
  if (subject === undefined || subject === "") throw new UsageError("the subject is missing");
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra.join(" ")}"`);
  const ttl = parsed.values.ttl;
  const ttlSeconds = ttl === undefined ? undefined : Number(ttl);
  if (ttlSeconds !== undefined && !(Number.isInteger(ttlSeconds) && ttlSeconds > 0 && ttlSeconds <= MAX_TTL_SECONDS)) {
    throw new UsageError(`--ttl must be a whole number of seconds from 1 to ${MAX_TTL_SECONDS}`);
  }
  return { role, subject, ttlSeconds };
}

function isTokenRole(value: string | undefined): value is TokenRole {
  return TOKEN_ROLES.some((role) => role === value);
}

async function main(): Promise<void> {
  try {
    const command = parseCommand(process.argv.slice(2));
    const config = loadAuthConfig(process.env, { development: true });
    const secret = config.keys.sharedSecret;
    if (secret === undefined) {
      throw new ConfigError(
        "MATCHMAKER_AUTH_HS256_SECRET",
        "is not set, and the configured JWKS or public key verifies tokens this tool cannot sign",
      );
    }
    const token = await mintToken({ ...command, secret, issuer: config.issuer, audience: config.audience });
    process.stdout.write(`${token}\n`);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n${USAGE}\n`);
      process.exitCode = 2;
    } else if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 1;
    } else {
      throw error;
    }
  }
}

await main();
