import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextKey, type HandlerContext, type Interceptor } from "@connectrpc/connect";
import type { Caller } from "../application/caller.ts";

/**
 * Turns a request's `authorization` header into a caller, or throws a ConnectError
 * (UNAUTHENTICATED, or UNAVAILABLE when keys cannot be fetched).
 */
export interface Authenticate {
  (authorization: string | null): Promise<Caller>;
  /**
   * The caller at once when the header's token was verified recently and is still good (a cache
   * hit), else undefined, and the call goes through the function (which then answers or throws).
   * A backend calls with one token over and over: this spares each of its calls the promises of
   * an asynchronous check that has nothing left to wait for.
   */
  readonly known?: (authorization: string | null) => Caller | undefined;
}

const callerKey = createContextKey<Caller | undefined>(undefined, { description: "authenticated caller" });

/**
 * Authenticates every call to a method that needs a caller and hands the caller to the handler
 * through the context values, so handlers cannot forget the check. Methods are told apart by
 * descriptor, not by name, so that another service's method of the same name is never exempted;
 * services with their own credentials (game servers) or none (health) are left alone.
 */
export function authInterceptor(authenticate: Authenticate, needsCaller: (method: DescMethod) => boolean): Interceptor {
  // Not an async function: a call whose caller is known at once goes on to `next` without a
  // promise of its own, and nothing is left to do after it.
  return (next) => (request) => {
    if (!needsCaller(request.method)) return next(request);
    const authorization = request.header.get("authorization");
    const known = authenticate.known?.(authorization);
    if (known !== undefined) {
      request.contextValues.set(callerKey, known);
      return next(request);
    }
    return authenticate(authorization).then((caller) => {
      request.contextValues.set(callerKey, caller);
      return next(request);
    });
  };
}

/** The caller the interceptor authenticated. */
export function callerOf(context: HandlerContext): Caller {
  const caller = context.values.get(callerKey);
  if (caller === undefined) throw new ConnectError("no authenticated caller", Code.Unauthenticated);
  return caller;
}
