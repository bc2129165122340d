import { Code, ConnectError, createContextKey, type HandlerContext, type Interceptor } from "@connectrpc/connect";
import type { Caller } from "../application/caller.ts";

/**
 * Turns a request's `authorization` header into a caller, or throws a ConnectError
 * (UNAUTHENTICATED, or UNAVAILABLE when keys cannot be fetched).
 */
export type Authenticate = (authorization: string | null) => Promise<Caller>;

const callerKey = createContextKey<Caller | undefined>(undefined, { description: "authenticated caller" });

/** Which calls the caller interceptor authenticates. */
export interface CallerAuthScope {
  /** Fully qualified names of the services whose callers are players and backend services. */
  readonly services: ReadonlySet<string>;
  /** Methods of those services callable without a token, as `Service/Method` names. */
  readonly publicMethods: ReadonlySet<string>;
}

/**
 * Authenticates every call to the guarded services except their public methods and hands the caller
 * to the handler through the context values, so handlers cannot forget the check. Services with
 * other kinds of callers (game servers) authenticate in their own handlers.
 */
export function authInterceptor(authenticate: Authenticate, scope: CallerAuthScope): Interceptor {
  return (next) => async (request) => {
    const service = request.service.typeName;
    if (scope.services.has(service) && !scope.publicMethods.has(`${service}/${request.method.name}`)) {
      request.contextValues.set(callerKey, await authenticate(request.header.get("authorization")));
    }
    return next(request);
  };
}

/** The caller the interceptor authenticated. */
export function callerOf(context: HandlerContext): Caller {
  const caller = context.values.get(callerKey);
  if (caller === undefined) throw new ConnectError("no authenticated caller", Code.Unauthenticated);
  return caller;
}
