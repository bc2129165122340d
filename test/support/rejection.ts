import { expect } from "vitest";
import { AllocationError } from "../../src/application/ports/game-server-allocator.ts";

/** Awaits a promise that must reject with an {@link AllocationError}, and returns the error. */
export async function allocationErrorOf(promise: Promise<unknown>): Promise<AllocationError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AllocationError);
  return error as AllocationError;
}
