import type { Registry } from "prom-client";
import type { HttpRoute } from "../net/http-routes.ts";
import { errorMessage } from "../shared/error-message.ts";

/** `GET /metrics`: the registry in the Prometheus text exposition format. */
export function metricsRoute(registry: Registry): HttpRoute {
  return (_request, response) => {
    registry.metrics().then(
      (body) => {
        response.writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store" });
        response.end(body);
      },
      (error: unknown) => {
        response.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        response.end(`collecting metrics failed: ${errorMessage(error)}\n`);
      },
    );
  };
}
