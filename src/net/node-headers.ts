/** Node's incoming header objects (node:http and node:http2 alike). */
type NodeIncomingHeaders = Readonly<Record<string, string | string[] | undefined>>;

/**
 * A request's headers without HTTP/2 pseudo-headers, as interceptors see them in connect (every
 * value of a repeated header kept). Plain pairs: the handler context turns them into web Headers
 * once, where connect-node builds a Headers object and the context copies it into another.
 */
export function requestHeaders(headers: NodeIncomingHeaders): [string, string][] {
  const result: [string, string][] = [];
  for (const name in headers) {
    if (name.charCodeAt(0) === 0x3a) continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) result.push([name, item]);
    else result.push([name, value]);
  }
  return result;
}

/** A request header's value as web Headers' `get` gives it: repeated values joined, null when absent. */
export function headerValue(value: string | string[] | undefined): string | null {
  return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
}

/**
 * Web Headers as the object Node's `writeHead` takes, in the same order and with the same values
 * as connect-node writes them (names in Headers' sorted order, a repeated `set-cookie` as an array).
 */
export function headerObject(headers: Headers): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  headers.forEach((value, name) => {
    const existing = result[name];
    if (existing === undefined) result[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else result[name] = [existing, value];
  });
  return result;
}
