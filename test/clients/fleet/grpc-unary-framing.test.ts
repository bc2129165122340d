import { describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { grpcTimeout, singleMessage } from "../../../src/clients/fleet/grpc-unary-framing.ts";
import { frame } from "../../../src/shared/grpc-frame.ts";

describe("grpcTimeout", () => {
  it("writes grpc-timeout in at most 8 digits, in the finest unit that fits, rounded up", () => {
    expect(grpcTimeout(1_000)).toBe("1000m");
    expect(grpcTimeout(0.5)).toBe("1m");
    expect(grpcTimeout(99_999_999)).toBe("99999999m");
    expect(grpcTimeout(100_000_000)).toBe("100000S");
    expect(grpcTimeout(7 * 24 * 3_600_000 * 1_000)).toBe("10080000M");
    expect(grpcTimeout(Number.MAX_SAFE_INTEGER)).toBe("99999999H");
  });
});

describe("singleMessage", () => {
  const status = new Headers({ "grpc-status": "0" });

  it("takes the one message out of its prefix", () => {
    expect([...singleMessage(frame(Uint8Array.of(1, 2, 3)), status)]).toEqual([1, 2, 3]);
    expect([...singleMessage(frame(new Uint8Array(0)), status)]).toEqual([]);
  });

  it("refuses no message, a second one, a truncated one and a compressed one", () => {
    const compressed = frame(Uint8Array.of(1));
    compressed[0] = 1;
    for (const [body, code] of [
      [Buffer.alloc(0), Code.Unimplemented],
      [Buffer.concat([frame(Uint8Array.of(1)), frame(Uint8Array.of(2))]), Code.Unimplemented],
      [frame(Uint8Array.of(1, 2, 3)).subarray(0, 7), Code.Internal],
      [compressed, Code.Internal],
    ] as const) {
      expect(() => singleMessage(body, status)).toThrow(ConnectError);
      try {
        singleMessage(body, status);
      } catch (error) {
        expect(Code[(error as ConnectError).code]).toBe(Code[code]);
      }
    }
  });
});
