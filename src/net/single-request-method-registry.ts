import type { DescMethod, DescService } from "@bufbuild/protobuf";
import {
  createMethodImplSpec,
  createServiceImplSpec,
  type ConnectRouter,
  type MethodImpl,
  type MethodImplSpec,
  type ServiceImpl,
} from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";

/** A unary RPC implementation, as connect wraps it. */
export type UnaryMethodSpec = Extract<MethodImplSpec, { kind: "unary" }>;

/** A server-streaming RPC implementation, as connect wraps it. */
export type ServerStreamingMethodSpec = Extract<MethodImplSpec, { kind: "server_streaming" }>;

/** The implementations a single request message starts: what a lean transport can serve. */
export type SingleRequestMethodSpec = UnaryMethodSpec | ServerStreamingMethodSpec;

/**
 * Collects the unary and server-streaming implementations that a routes function registers, by request path
 * (`/package.Service/Method`), without building any protocol handler.
 *
 * This is how a second transport serves the very same implementations the connect router does:
 * both are fed by one routes function. Methods registered with their own handler options
 * (interceptors, limits) are left out, so they are only ever served by the router that honours them.
 */
export class SingleRequestMethodRegistry implements ConnectRouter {
  readonly handlers: UniversalHandler[] = [];
  readonly #byPath = new Map<string, SingleRequestMethodSpec>();

  constructor(routes: (router: ConnectRouter) => void) {
    routes(this);
  }

  service<T extends DescService>(service: T, implementation: Partial<ServiceImpl<T>>, options?: object): this {
    if (options !== undefined) return this;
    for (const spec of Object.values(createServiceImplSpec(service, implementation).methods)) this.#add(spec);
    return this;
  }

  rpc<M extends DescMethod>(method: M, impl: MethodImpl<M>, options?: object): this {
    if (options === undefined) this.#add(createMethodImplSpec(method, impl));
    return this;
  }

  /** The implementation served at `path`, if it is unary or server-streaming. */
  get(path: string): SingleRequestMethodSpec | undefined {
    return this.#byPath.get(path);
  }

  #add(spec: MethodImplSpec): void {
    if (spec.kind === "unary" || spec.kind === "server_streaming") this.#byPath.set(`/${spec.method.parent.typeName}/${spec.method.name}`, spec);
  }
}
