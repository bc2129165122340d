import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { createClient } from "@connectrpc/connect";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { ServerReflection, type ServerReflectionResponse } from "../../src/gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1Alpha } from "../../src/gen/grpc/reflection/v1alpha/reflection_pb.js";
import { cleanupAfterEach } from "../support/lifecycle.ts";
import { startServerHarness, type ServerHarness } from "../support/server-harness.ts";

const run = promisify(execFile);
const cleanup = cleanupAfterEach();

async function start(reflection?: boolean): Promise<ServerHarness> {
  const harness = await startServerHarness({ ...(reflection !== undefined && { reflection }) });
  cleanup(() => harness.close());
  return harness;
}

/** `buf curl` over gRPC with HTTP/2 prior knowledge: a generic client that knows no proto of ours. */
async function bufCurl(...args: string[]): Promise<string> {
  const { stdout } = await run("node_modules/.bin/buf", ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args], { timeout: 15_000 });
  return stdout;
}

/** A client stream that sends `messages` and then closes. */
async function* streamOf<T>(messages: readonly T[]): AsyncGenerator<T> {
  yield* messages;
}

const SERVICES = [
  "gameserver.v1.MatchTicketService",
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
  "matchmaking.v1.MatchmakingService",
  "matchmaking.v1.OperatorService",
];

describe("gRPC server reflection", () => {
  it.each(["grpc-v1", "grpc-v1alpha"])("lets buf curl list services and call a method with %s", async (protocol) => {
    const harness = await start();
    const url = `http://127.0.0.1:${harness.app.servers.grpcPort}`;
    const listed = await bufCurl("--reflect-protocol", protocol, "--list-services", url);
    expect(listed.trim().split("\n")).toEqual(SERVICES);
    const queues = JSON.parse(await bufCurl("--reflect-protocol", protocol, `${url}/matchmaking.v1.MatchmakingService/ListQueues`)) as {
      queues: { name: string }[];
    };
    expect(queues.queues.map((queue) => queue.name)).toEqual(["duel", "squads-5v5", "ffa-8"]);
  });

  it("sends a symbol's file with its imports once per stream, and NOT_FOUND for unknown names", async () => {
    const harness = await start();
    const client = createClient(ServerReflection, harness.grpcTransport());
    const requests = [
      { host: "", messageRequest: { case: "fileContainingSymbol" as const, value: "matchmaking.v1.OperatorService.GetQueueStats" } },
      { host: "", messageRequest: { case: "fileByFilename" as const, value: "matchmaking/v1/matchmaking.proto" } },
      { host: "", messageRequest: { case: "fileContainingSymbol" as const, value: "matchmaking.v1.Ticket" } },
      { host: "", messageRequest: { case: "fileContainingSymbol" as const, value: "nope.v1.Nothing" } },
      { host: "", messageRequest: { case: "allExtensionNumbersOfType" as const, value: "matchmaking.v1.Ticket" } },
    ];
    const answers: ServerReflectionResponse["messageResponse"][] = [];
    for await (const response of client.serverReflectionInfo(streamOf(requests))) answers.push(response.messageResponse);
    const fileNames = (answer: (typeof answers)[number] | undefined): string[] => {
      if (answer?.case !== "fileDescriptorResponse") throw new Error(`expected files, got ${answer?.case}`);
      return answer.value.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name);
    };
    expect(fileNames(answers[0])).toEqual([
      "matchmaking/v1/operator.proto",
      "google/protobuf/duration.proto",
      "google/protobuf/timestamp.proto",
    ]);
    // The imports went with the first answer; the requested file itself is always sent.
    expect(fileNames(answers[1])).toEqual(["matchmaking/v1/matchmaking.proto"]);
    expect(fileNames(answers[2])).toEqual(["matchmaking/v1/matchmaking.proto"]);
    expect(answers[3]).toMatchObject({ case: "errorResponse", value: { errorCode: 5, errorMessage: 'symbol "nope.v1.Nothing" not found' } });
    expect(answers[4]).toMatchObject({ case: "allExtensionNumbersResponse", value: { baseTypeName: "matchmaking.v1.Ticket", extensionNumber: [] } });
  });

  it("can be turned off", async () => {
    const harness = await start(false);
    const client = createClient(ServerReflectionV1Alpha, harness.grpcTransport());
    const stream = client.serverReflectionInfo(streamOf([{ host: "", messageRequest: { case: "listServices" as const, value: "" } }]));
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 12 /* UNIMPLEMENTED */ });
  });
});
