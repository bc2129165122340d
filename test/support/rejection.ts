import { expect } from "vitest";
import { AllocationError } from "../../src/application/ports/game-server-allocator.ts";
import { ConfigError } from "../../src/config/config-error.ts";

/** Awaits a promise that must reject with an {@link AllocationError}, and returns the error. */
export async function allocationErrorOf(promise: Promise<unknown>): Promise<AllocationError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AllocationError);
  return error as AllocationError;
}

/** Runs `run`, which must throw a {@link ConfigError}, and returns the error to check its key and message. */
export function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}
