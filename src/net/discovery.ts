import type { DescService } from "@bufbuild/protobuf";
import { createConnectRouter, type ConnectRouter } from "@connectrpc/connect";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { ServerReflection as ServerReflectionV1 } from "../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1Alpha } from "../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { createHealthService } from "./health-service.ts";
import type { Readiness } from "./readiness.ts";
import { createReflectionServices } from "./reflection/reflection-service.ts";
import { SchemaIndex } from "./reflection/schema-index.ts";

/** Options of {@link withDiscovery}. */
export interface DiscoveryOptions {
  readonly readiness: Readiness;
  /** Serve gRPC server reflection. */
  readonly reflection: boolean;
}

/**
 * Adds the services generic tools discover a server with, the gRPC health service and (optionally)
 * server reflection, to the routes `register` defines. Both describe exactly what `register`
 * serves, themselves included, because they read it from a router rather than from a list kept
 * by hand.
 */
export function withDiscovery(register: (router: ConnectRouter) => void, options: DiscoveryOptions): (router: ConnectRouter) => void {
  const reflectionServices = options.reflection ? [ServerReflectionV1, ServerReflectionV1Alpha] : [];
  const served = [...servicesOf(register), Health, ...reflectionServices];
  const health = createHealthService(options.readiness, served.map((service) => service.typeName));
  const reflection = options.reflection ? createReflectionServices(new SchemaIndex(served)) : undefined;
  return (router) => {
    register(router);
    router.service(Health, health);
    if (reflection !== undefined) {
      router.service(ServerReflectionV1, reflection.v1);
      router.service(ServerReflectionV1Alpha, reflection.v1alpha);
    }
  };
}

/** Methods served while the server drains: health, so that probes read NOT_SERVING instead of an error. */
export function isHealthService(service: DescService): boolean {
  return service.typeName === Health.typeName;
}

function servicesOf(register: (router: ConnectRouter) => void): DescService[] {
  const router = createConnectRouter();
  register(router);
  return [...new Set(router.handlers.map((handler) => handler.service))];
}
