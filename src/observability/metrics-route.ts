import type { HttpRoute } from "../net/http-routes.ts";
import { errorMessage } from "../shared/error-message.ts";

/** What `/metrics` serves: the exposition text and its content type. */
export interface MetricsSource {
  readonly contentType: string;
  exposition(): Promise<string>;
}

/** `GET /metrics`: the metrics in the Prometheus text exposition format. */
export function metricsRoute(metrics: MetricsSource): HttpRoute {
  return (_request, response) => {
    metrics.exposition().then(
      (body) => {
        response.writeHead(200, { "content-type": metrics.contentType, "cache-control": "no-store" });
        response.end(body);
      },
      (error: unknown) => {
        response.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        response.end(`collecting metrics failed: ${errorMessage(error)}\n`);
      },
    );
  };
}
