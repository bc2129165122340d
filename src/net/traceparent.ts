/**
 * The trace id of a W3C Trace Context `traceparent` header
 * (https://www.w3.org/TR/trace-context/#traceparent-header), or undefined when the header is absent
 * or not valid: `version-traceid-parentid-flags` in lowercase hex, version `ff` forbidden, all-zero
 * ids invalid. Versions above 00 may append fields, which are ignored.
 */
export function traceIdOf(traceparent: string | null): string | undefined {
  if (traceparent === null) return undefined;
  const match = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(-.*)?$/.exec(traceparent.trim());
  if (match === null) return undefined;
  const [, version, traceId, parentId, rest] = match;
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId!) || /^0+$/.test(parentId!)) return undefined;
  return traceId;
}
