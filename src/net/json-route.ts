import type { HttpRoute } from "./http-routes.ts";

/** A GET endpoint that always answers the same JSON document (public keys, static metadata). */
export function staticJsonRoute(document: unknown, contentType = "application/json", maxAgeSeconds = 300): HttpRoute {
  const body = JSON.stringify(document);
  return (_request, response) => {
    response.writeHead(200, { "content-type": contentType, "cache-control": `public, max-age=${maxAgeSeconds}` });
    response.end(body);
  };
}
