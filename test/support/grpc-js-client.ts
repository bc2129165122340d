import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/** The shape proto-loader gives messages with `enums: String, longs: String, defaults: true`. */
export interface WireTicket {
  ticketId: string;
  state: string;
  userIds: string[];
  assignment: { matchId: string; serverAddress: string; matchTicket: string; teams: { userIds: string[] }[] } | null;
}

export type Unary<Req, Res> = (request: Req, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response?: Res) => void) => void;

export interface GrpcJsMatchmakingClient extends grpc.Client {
  ListQueues: Unary<object, { queues: { name: string; teamSize: number }[] }>;
  Enqueue: Unary<object, { ticket: WireTicket }>;
  GetTicket: Unary<{ ticketId: string }, { ticket: WireTicket }>;
  WatchTicket(request: { ticketId: string }, metadata: grpc.Metadata): grpc.ClientReadableStream<{ ticket: WireTicket }>;
}

/**
 * An independent client: @grpc/grpc-js with the service loaded by @grpc/proto-loader straight from
 * the `.proto` files (protobufjs codec), so interop does not rest on our own generated code.
 */
export function grpcJsMatchmakingClient(port: number): GrpcJsMatchmakingClient {
  const definition = protoLoader.loadSync("matchmaking/v1/matchmaking.proto", {
    includeDirs: ["proto"],
    keepCase: false,
    enums: String,
    longs: String,
    defaults: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    matchmaking: { v1: { MatchmakingService: new (address: string, credentials: grpc.ChannelCredentials) => GrpcJsMatchmakingClient } };
  };
  return new loaded.matchmaking.v1.MatchmakingService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

/** `authorization` metadata for a token. */
export function bearerMetadata(token: string | undefined): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (token !== undefined) metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}

/** Calls a unary method and resolves with its response or rejects with its ServiceError. */
export function unary<Req, Res>(client: GrpcJsMatchmakingClient, method: Unary<Req, Res>, request: Req, metadata: grpc.Metadata): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, metadata, (error, response) => (error === null ? resolve(response!) : reject(error)));
  });
}
