import { pino } from "pino";
import { ConfigError } from "../config/config-error.ts";
import { type RegistryConfig, registryConfigFromEnvironment } from "./registry-config.ts";
import { startRegistryServer } from "./registry-server.ts";
import { LOG_SERIALIZERS } from "../observability/logger.ts";

/** Reads the settings, or explains on stderr which variable is wrong and exits with status 2. */
function configOrExit(): RegistryConfig | undefined {
  try {
    return registryConfigFromEnvironment(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`registry: ${error.message}\n`);
    process.exitCode = 2;
    return undefined;
  }
}

/** `npm run registry`: the reference game-server registry as its own process. */
async function main(): Promise<void> {
  const config = configOrExit();
  if (!config) return;
  const logger = pino({ level: config.logLevel, serializers: LOG_SERIALIZERS });
  const registry = await startRegistryServer({ ...config, logger });

  const shutDown = (signal: string): void => {
    logger.info({ signal }, "shutting down");
    registry.close().catch((error: unknown) => logger.error({ err: error }, "shutdown failed"));
  };
  process.once("SIGINT", shutDown);
  process.once("SIGTERM", shutDown);
}

await main();
