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

/**
 * Collects the unary implementations that a routes function registers, by request path
 * (`/package.Service/Method`), without building any protocol handler.
 *
 * This is how a second transport serves the very same implementations the connect router does:
 * both are fed by one routes function. Methods registered with their own handler options
 * (interceptors, limits) are left out, so they are only ever served by the router that honours them.
 */
export class UnaryMethodRegistry implements ConnectRouter {
  readonly handlers: UniversalHandler[] = [];
  readonly #byPath = new Map<string, UnaryMethodSpec>();

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

  /** The unary implementation served at `path`, if any. */
  get(path: string): UnaryMethodSpec | undefined {
    return this.#byPath.get(path);
  }

  #add(spec: MethodImplSpec): void {
    if (spec.kind === "unary") this.#byPath.set(`/${spec.method.parent.typeName}/${spec.method.name}`, spec);
  }
}
