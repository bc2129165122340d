import { pino } from "pino";
import { registryConfigFromEnvironment, RegistryConfigError } from "./registry-config.ts";
import { startRegistryServer } from "./registry-server.ts";

/** `npm run registry`: the reference game-server registry as its own process. */
async function main(): Promise<void> {
  let config;
  try {
    config = registryConfigFromEnvironment(process.env);
  } catch (error) {
    if (!(error instanceof RegistryConfigError)) throw error;
    process.stderr.write(`registry: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  const logger = pino({ level: config.logLevel });
  const registry = await startRegistryServer({ ...config, logger });

  const shutDown = (signal: string): void => {
    logger.info({ signal }, "shutting down");
    registry.close().catch((error: unknown) => logger.error({ err: error }, "shutdown failed"));
  };
  process.once("SIGINT", shutDown);
  process.once("SIGTERM", shutDown);
}

await main();
