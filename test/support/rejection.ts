import { ConnectError } from "@connectrpc/connect";
import { expect } from "vitest";
import { AllocationError } from "../../src/application/ports/game-server-allocator.ts";
import { ConfigError } from "../../src/config/config-error.ts";

/** Awaits a promise that must reject with an error of `type`, and returns the error. */
async function rejectionOf<E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(type);
  return error as E;
}

/** Awaits a promise that must reject with an {@link AllocationError}, and returns the error. */
export function allocationErrorOf(promise: Promise<unknown>): Promise<AllocationError> {
  return rejectionOf(promise, AllocationError);
}

/** Awaits a call that must fail with a {@link ConnectError}, and returns the error. */
export function connectErrorOf(call: Promise<unknown>): Promise<ConnectError> {
  return rejectionOf(call, ConnectError);
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
