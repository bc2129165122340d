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
