import type { ContextKey, ContextValues } from "@connectrpc/connect";

/**
 * A call's context values, as connect's `createContextValues` keeps them (each value an own
 * property named by its key's symbol, a key's default when absent), with the three methods on a
 * prototype: connect's object literal makes three new functions for every call.
 */
export class CallValues implements ContextValues {
  [id: symbol]: unknown;

  get<T>(key: ContextKey<T>): T {
    return key.id in this ? (this[key.id] as T) : key.defaultValue;
  }

  set<T>(key: ContextKey<T>, value: T): this {
    this[key.id] = value;
    return this;
  }

  delete(key: ContextKey<unknown>): this {
    delete this[key.id];
    return this;
  }
}
