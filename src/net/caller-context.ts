import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextKey, type HandlerContext, type Interceptor } from "@connectrpc/connect";
import type { Caller } from "../application/caller.ts";

/**
 * Turns a request's `authorization` header into a caller, or throws a ConnectError
 * (UNAUTHENTICATED, or UNAVAILABLE when keys cannot be fetched).
 */
export type Authenticate = (authorization: string | null) => Promise<Caller>;

const callerKey = createContextKey<Caller | undefined>(undefined, { description: "authenticated caller" });

/**
 * Authenticates every call to a method that needs a caller and hands the caller to the handler
 * through the context values, so handlers cannot forget the check. Methods are told apart by
 * descriptor, not by name, so that another service's method of the same name is never exempted;
 * services with their own credentials (game servers) or none (health) are left alone.
 */
export function authInterceptor(authenticate: Authenticate, needsCaller: (method: DescMethod) => boolean): Interceptor {
  return (next) => async (request) => {
    if (needsCaller(request.method)) {
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
