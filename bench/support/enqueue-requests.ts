import { create } from "@bufbuild/protobuf";
import { EnqueueRequestSchema, type EnqueueRequest } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";

/** The queue every benchmark enqueues into: the 1v1 queue of config/queues.json. */
export const BENCH_QUEUE = "duel";

/**
 * The `index`-th Enqueue request of a run: a solo player never seen before (ids carry the run's
 * `prefix`), so every request creates a ticket instead of replaying an idempotent one.
 */
export function enqueueRequest(prefix: string, index: number): EnqueueRequest {
  return create(EnqueueRequestSchema, {
    queue: BENCH_QUEUE,
    players: [{ userId: `${prefix}-${index}`, skill: 1000 + ((index * 7919) % 2000) }],
    latencyMs: { "eu-west": 20 + (index % 40), "us-east": 90 + (index % 30) },
  });
}

/** A gRPC length-prefixed message: flag byte 0 (uncompressed), big-endian length, the bytes. */
export function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(5 + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}
