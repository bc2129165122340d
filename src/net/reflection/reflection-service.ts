import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { ServerReflection as ServerReflectionV1 } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1Alpha } from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import type { SchemaIndex } from "./schema-index.ts";

/** A reflection question; v1 and v1alpha messages have this same shape. */
interface Question {
  readonly host: string;
  readonly messageRequest:
    | { readonly case: "fileByFilename" | "fileContainingSymbol" | "allExtensionNumbersOfType" | "listServices"; readonly value: string }
    | { readonly case: "fileContainingExtension"; readonly value: { readonly containingType: string; readonly extensionNumber: number } }
    | { readonly case: undefined; readonly value?: undefined };
}

/** The answer part of a reflection response, valid for both versions. */
type Answer =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: "allExtensionNumbersResponse"; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: "listServicesResponse"; value: { service: { name: string }[] } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

/**
 * gRPC server reflection (grpc.reflection.v1 and v1alpha, which grpcurl still tries first), so that
 * grpcurl, `buf curl` or Postman can call the matchmaker without its protos. The schema is public
 * anyway (the protos are published for SDKs), so reflection is on by default.
 */
export function createReflectionServices(index: SchemaIndex): {
  v1: ServiceImpl<typeof ServerReflectionV1>;
  v1alpha: ServiceImpl<typeof ServerReflectionV1Alpha>;
} {
  const serverReflectionInfo = async function* <Q extends Question>(requests: AsyncIterable<Q>, context: HandlerContext) {
    const sent = new Set<string>();
    for await (const request of untilAborted(requests, context.signal)) {
      yield { validHost: request.host, originalRequest: request, messageResponse: answer(index, request, sent) };
    }
  };
  return { v1: { serverReflectionInfo }, v1alpha: { serverReflectionInfo } };
}

/** Answers one question; `sent` holds the files already sent on the stream, which are not sent again. */
export function answer(index: SchemaIndex, question: Question, sent: Set<string>): Answer {
  const request = question.messageRequest;
  switch (request.case) {
    case "fileByFilename": {
      const file = index.fileByName(request.value);
      return file === undefined ? notFound(`file "${request.value}" not found`) : files(index.encodeWithDependencies(file, sent));
    }
    case "fileContainingSymbol": {
      const file = index.fileContainingSymbol(request.value);
      return file === undefined ? notFound(`symbol "${request.value}" not found`) : files(index.encodeWithDependencies(file, sent));
    }
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = request.value;
      const extension = index.extensionsOf(containingType)?.find((candidate) => candidate.number === extensionNumber);
      return extension === undefined
        ? notFound(`extension ${extensionNumber} of "${containingType}" not found`)
        : files(index.encodeWithDependencies(extension.file, sent));
    }
    case "allExtensionNumbersOfType": {
      const extensions = index.extensionsOf(request.value);
      return extensions === undefined
        ? notFound(`type "${request.value}" not found`)
        : {
            case: "allExtensionNumbersResponse",
            value: { baseTypeName: request.value, extensionNumber: extensions.map((extension) => extension.number) },
          };
    }
    case "listServices":
      return { case: "listServicesResponse", value: { service: index.serviceNames.map((name) => ({ name })) } };
    case undefined:
      return { case: "errorResponse", value: { errorCode: Code.InvalidArgument, errorMessage: "the request asks nothing" } };
  }
}

function files(fileDescriptorProto: Uint8Array[]): Answer {
  return { case: "fileDescriptorResponse", value: { fileDescriptorProto } };
}

function notFound(errorMessage: string): Answer {
  return { case: "errorResponse", value: { errorCode: Code.NotFound, errorMessage } };
}

/**
 * The client's messages until `signal` aborts, then the abort's reason. A client may keep a
 * reflection stream open indefinitely; without this, shutdown would wait on it.
 */
async function* untilAborted<T>(messages: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = messages[Symbol.asyncIterator]();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(ConnectError.from(signal.reason));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {});
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    signal.removeEventListener("abort", onAbort!);
    void iterator.return?.()?.catch(() => undefined);
  }
}
