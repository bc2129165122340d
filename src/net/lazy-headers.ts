/** Header fields as node:http2 gives them (pseudo-headers included, repeated fields as arrays). */
export type HeaderFields = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * A web `Headers` over fields that are only copied into a real `Headers` when something changes or
 * lists them; reading one field by its lower-case name answers straight from the fields.
 *
 * A gRPC call's context holds three `Headers` (request headers, response headers, response
 * trailers). Building them is most of what starting a call costs (a `Headers` from six fields takes
 * microseconds of WebIDL conversion), while a successful unary call only ever reads two request
 * headers (`authorization`, `traceparent`) and never touches the response ones. Every other use
 * gets the real `Headers` semantics (validation, case-insensitive names, sorted iteration), from
 * the `Headers` the fields are copied into. Pseudo-headers (`:path`) are left out, and repeated
 * fields read as one comma-separated value, as in a `Headers` built from the pairs.
 */
export class LazyHeaders implements Headers {
  #fields: HeaderFields | undefined;
  #headers: Headers | undefined;

  constructor(fields: HeaderFields) {
    this.#fields = fields;
  }

  get(name: string): string | null {
    const fields = this.#fields;
    if (fields === undefined || !LOWER_CASE_TOKEN.test(name)) return this.#real().get(name);
    return fieldValue(fields, name) ?? null;
  }

  has(name: string): boolean {
    const fields = this.#fields;
    if (fields === undefined || !LOWER_CASE_TOKEN.test(name)) return this.#real().has(name);
    return fieldValue(fields, name) !== undefined;
  }

  append(name: string, value: string): void {
    this.#real().append(name, value);
  }

  set(name: string, value: string): void {
    this.#real().set(name, value);
  }

  delete(name: string): void {
    this.#real().delete(name);
  }

  getSetCookie(): string[] {
    return this.#real().getSetCookie();
  }

  forEach(callback: (value: string, name: string, headers: Headers) => void, thisArg?: unknown): void {
    this.#real().forEach((value, name) => callback.call(thisArg, value, name, this));
  }

  keys(): ReturnType<Headers["keys"]> {
    return this.#real().keys();
  }

  values(): ReturnType<Headers["values"]> {
    return this.#real().values();
  }

  entries(): ReturnType<Headers["entries"]> {
    return this.#real().entries();
  }

  [Symbol.iterator](): ReturnType<Headers["entries"]> {
    return this.#real().entries();
  }

  /** Whether no field is set, answered without building a `Headers` when nothing changed them. */
  isEmpty(): boolean {
    const fields = this.#fields;
    if (fields === undefined) return this.#headers!.keys().next().done === true;
    for (const name in fields) if (name.charCodeAt(0) !== COLON && fields[name] !== undefined) return false;
    return true;
  }

  /**
   * The fields as a plain object for node:http2 (lower-case names, one value each), without
   * building a `Headers` when nothing changed them.
   */
  toObject(): Record<string, string> {
    const result: Record<string, string> = {};
    const fields = this.#fields;
    if (fields === undefined) {
      this.#headers!.forEach((value, name) => {
        result[name] = value;
      });
      return result;
    }
    for (const name in fields) {
      if (name.charCodeAt(0) === COLON) continue;
      const value = fieldValue(fields, name);
      if (value !== undefined) result[name] = value;
    }
    return result;
  }

  #real(): Headers {
    if (this.#headers !== undefined) return this.#headers;
    const headers = new Headers();
    const fields = this.#fields!;
    for (const name in fields) {
      if (name.charCodeAt(0) === COLON) continue;
      const value = fields[name];
      if (typeof value === "string") headers.append(name, value);
      else if (value !== undefined) for (const item of value) headers.append(name, item);
    }
    this.#fields = undefined;
    this.#headers = headers;
    return headers;
  }
}

const COLON = 0x3a;
/**
 * A valid field name (an RFC 9110 token) already in lower case: the spelling node:http2 gives
 * field names in, so the fields answer for it directly. Any other name (mixed case, invalid, a
 * pseudo-header) goes to a real `Headers`, which normalizes or refuses it.
 */
const LOWER_CASE_TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

/** The value a `Headers` of `fields` gives for `name`, a field name in lower case. */
function fieldValue(fields: HeaderFields, name: string): string | undefined {
  const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
  if (typeof value === "string") return trimWhitespace(value);
  if (Array.isArray(value)) return value.map(trimWhitespace).join(", ");
  return undefined;
}

/** Headers strips leading and trailing HTTP whitespace from values; node:http2 fields seldom have any. */
function trimWhitespace(value: string): string {
  return value.length > 0 && (isWhitespace(value.charCodeAt(0)) || isWhitespace(value.charCodeAt(value.length - 1)))
    ? value.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "")
    : value;
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}
