import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import {
  EnqueueRequestSchema,
  EnqueueResponseSchema,
  MatchmakingService,
  type EnqueueRequest,
  type EnqueueResponse,
} from "../../src/gen/matchmaking/v1/matchmaking_pb.js";

/** A server the benchmarks measure; `port` serves the protocol the benchmark speaks. */
export interface BenchTarget {
  readonly port: number;
  close(): Promise<void>;
}

/** The gRPC path of Enqueue, as every client sends it. */
export const ENQUEUE_PATH = `/${MatchmakingService.typeName}/${MatchmakingService.method.enqueue.name}`;

const EMPTY_GRPC_MESSAGE = Buffer.from([0, 0, 0, 0, 0]);

/**
 * The platform's limit for gRPC on Node: a bare node:http2 stream handler that reads the request,
 * checks the 5-byte frame header by hand and answers an empty message with grpc-status 0. No
 * decoding, no routing, no work.
 */
export async function startBareHttp2Grpc(): Promise<BenchTarget> {
  const server = http2.createServer();
  server.on("stream", (stream) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      const ok = body.length >= 5 && body[0] === 0 && body.readUInt32BE(1) === body.length - 5;
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": ok ? "0" : "13" }));
      stream.end(EMPTY_GRPC_MESSAGE);
    });
  });
  return listen(server);
}

/**
 * What a do-nothing @grpc/grpc-js server achieves: the same protobuf-es codec the matchmaker uses
 * (decode the request, encode the response), a handler that answers an empty response.
 */
export async function startGrpcJsNoop(): Promise<BenchTarget> {
  const server = new grpc.Server();
  server.addService(
    {
      enqueue: {
        path: ENQUEUE_PATH,
        requestStream: false,
        responseStream: false,
        requestSerialize: (message: EnqueueRequest) => Buffer.from(toBinary(EnqueueRequestSchema, message)),
        requestDeserialize: (bytes: Buffer) => fromBinary(EnqueueRequestSchema, bytes),
        responseSerialize: (message: EnqueueResponse) => Buffer.from(toBinary(EnqueueResponseSchema, message)),
        responseDeserialize: (bytes: Buffer) => fromBinary(EnqueueResponseSchema, bytes),
      },
    },
    {
      enqueue: (_call: grpc.ServerUnaryCall<EnqueueRequest, EnqueueResponse>, callback: grpc.sendUnaryData<EnqueueResponse>) =>
        callback(null, create(EnqueueResponseSchema)),
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error === null ? resolve(bound) : reject(error),
    ),
  );
  return { port, close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
}

/** The platform's limit for the browser path: a bare node:http handler that reads the body and answers `{}`. */
export async function startBareHttp1(): Promise<BenchTarget> {
  const body = Buffer.from("{}");
  const server = http.createServer((request, response) => {
    request.on("data", () => {});
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/json", "content-length": body.length });
      response.end(body);
    });
  });
  const target = await listen(server);
  return {
    port: target.port,
    close: async () => {
      server.closeAllConnections();
      await target.close();
    },
  };
}

async function listen(server: http.Server | http2.Http2Server): Promise<BenchTarget> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.destroy();
      }),
  };
}
