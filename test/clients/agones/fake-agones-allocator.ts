import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import {
  type AllocationRequest,
  AllocationRequestSchema,
  type AllocationResponse,
  AllocationResponseSchema,
} from "../../../src/gen/allocation/allocation_pb.js";
import type { TestPki } from "../../support/test-certificates.ts";

/** What the fake answers to one Allocate call: a response, or a gRPC status (any number, even 422). */
export type FakeAnswer =
  | { readonly response: MessageInitShape<typeof AllocationResponseSchema> }
  | { readonly status: number; readonly message: string };

/** A running fake Agones allocator. */
export interface FakeAgonesAllocator {
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: AllocationRequest[];
  /** Answers for the next calls, consumed in order; the last one repeats. */
  answer(...answers: FakeAnswer[]): void;
  /**
   * Holds every answer, as a slow allocator does, until the returned function is called (which
   * answers the calls held so far and stops holding).
   */
  hold(): () => void;
  /** The most calls it has had open (received, not yet answered) at once. */
  readonly mostInFlight: number;
  /** Stops the server and cuts open connections. */
  close(): Promise<void>;
}

/** Agones' answer when no Ready GameServer matches. */
export const noServerReady: FakeAnswer = {
  status: grpc.status.RESOURCE_EXHAUSTED,
  message: "there is no available GameServer to allocate",
};

/** Agones' answer under contention. */
export const contention: FakeAnswer = {
  status: grpc.status.ABORTED,
  message: "too many concurrent requests have overwhelmed the system",
};

/**
 * A stand-in for Agones' allocator service, which cannot run here: a real gRPC server (grpc-js,
 * the same HTTP/2 wire as Agones' Go server) serving `/allocation.AllocationService/Allocate` over
 * mutual TLS. Like Agones, it requires a client certificate signed by the configured CA.
 */
export async function startFakeAgonesAllocator(pki: TestPki): Promise<FakeAgonesAllocator> {
  const requests: AllocationRequest[] = [];
  let answers: FakeAnswer[] = [];
  let held: (() => void)[] | undefined;
  let inFlight = 0;
  let mostInFlight = 0;
  const server = new grpc.Server();
  server.addService(
    {
      allocate: {
        path: "/allocation.AllocationService/Allocate",
        requestStream: false,
        responseStream: false,
        requestSerialize: (message: AllocationRequest) => Buffer.from(toBinary(AllocationRequestSchema, message)),
        requestDeserialize: (bytes: Buffer) => fromBinary(AllocationRequestSchema, bytes),
        responseSerialize: (message: AllocationResponse) => Buffer.from(toBinary(AllocationResponseSchema, message)),
        responseDeserialize: (bytes: Buffer) => fromBinary(AllocationResponseSchema, bytes),
      },
    },
    {
      allocate: (
        call: grpc.ServerUnaryCall<AllocationRequest, AllocationResponse>,
        callback: grpc.sendUnaryData<AllocationResponse>,
      ) => {
        requests.push(call.request);
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        const next = answers.length > 1 ? answers.shift() : answers[0];
        const reply = (): void => {
          inFlight--;
          if (!next) {
            callback({ code: grpc.status.UNIMPLEMENTED, details: "the test set no answer" });
          } else if ("response" in next) {
            callback(null, create(AllocationResponseSchema, next.response));
          } else {
            callback({ code: next.status, details: next.message });
          }
        };
        if (held === undefined) reply();
        else held.push(reply);
      },
    },
  );
  const credentials = grpc.ServerCredentials.createSsl(
    Buffer.from(pki.ca),
    [{ cert_chain: Buffer.from(pki.server.cert), private_key: Buffer.from(pki.server.key) }],
    true,
  );
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", credentials, (error, boundPort) => (error ? reject(error) : resolve(boundPort)));
  });
  return {
    url: `https://localhost:${port}`,
    requests,
    answer: (...next) => {
      answers = next;
    },
    hold: () => {
      held ??= [];
      return () => {
        const replies = held ?? [];
        held = undefined;
        for (const reply of replies) reply();
      };
    },
    get mostInFlight() {
      return mostInFlight;
    },
    close: async () => server.forceShutdown(),
  };
}
