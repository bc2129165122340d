import { afterAll, afterEach, beforeAll } from "vitest";
import { createTestPki, type TestPki } from "./test-certificates.ts";

/** Something to undo after a test: close a server, a client... */
export type Cleanup = () => Promise<void> | void;

/**
 * Registers an `afterEach` that runs the test's cleanups, last registered first (clients before
 * the servers they talk to), and returns the function that registers one.
 */
export function cleanupAfterEach(): (cleanup: Cleanup) => void {
  const cleanups: Cleanup[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return (cleanup) => {
    cleanups.push(cleanup);
  };
}

/** Creates one throwaway PKI for the test file and removes it afterwards; call the result inside tests. */
export function testPkiForFile(): () => TestPki {
  let pki: TestPki | undefined;
  beforeAll(() => {
    pki = createTestPki();
  });
  afterAll(() => pki?.remove());
  return () => {
    if (!pki) throw new Error("the test PKI exists only while tests run");
    return pki;
  };
}
