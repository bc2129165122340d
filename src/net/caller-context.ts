import { Code, ConnectError, createContextKey, type HandlerContext, type Interceptor } from "@connectrpc/connect";
import type { Caller } from "../application/caller.ts";

/**
 * Turns a request's `authorization` header into a caller, or throws a ConnectError
 * (UNAUTHENTICATED, or UNAVAILABLE when keys cannot be fetched).
 */
export type Authenticate = (authorization: string | null) => Promise<Caller>;

const callerKey = createContextKey<Caller | undefined>(undefined, { description: "authenticated caller" });

/**
 * Authenticates every call except the listed public methods and hands the caller to the handler
 * through the context values, so handlers cannot forget the check.
 */
export function authInterceptor(authenticate: Authenticate, publicMethods: ReadonlySet<string>): Interceptor {
  return (next) => async (request) => {
    if (!publicMethods.has(request.method.name)) {
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
