import { describe, expect, it } from "vitest";
import { encodeGrpcMessage } from "../../src/net/grpc-message-encoding.ts";

describe("encodeGrpcMessage", () => {
  it("leaves printable ASCII alone and escapes '%' and everything else as UTF-8", () => {
    expect(encodeGrpcMessage('players[0].user_id: "a", b')).toBe('players[0].user_id: "a", b');
    expect(encodeGrpcMessage("100% é\n")).toBe("100%25 %C3%A9%0A");
    expect(decodeURIComponent(encodeGrpcMessage("100% é\n"))).toBe("100% é\n");
  });
});
