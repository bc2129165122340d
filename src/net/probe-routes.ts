import type { Readiness } from "./readiness.ts";
import type { HttpRoute } from "./http-routes.ts";

/** `GET /healthz`: the process is up and its event loop answers. Stays 200 while draining, so it is not restarted mid-drain. */
export const livenessRoute: HttpRoute = (_request, response) => {
  response.writeHead(200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
  response.end("ok\n");
};

/** `GET /readyz`: 200 when the store answers and the instance is not draining, 503 otherwise, with the reason as JSON. */
export function readinessRoute(readiness: Readiness): HttpRoute {
  return (_request, response) => {
    void readiness.check().then((report) => {
      response.writeHead(report.ready ? 200 : 503, { "content-type": "application/json", "cache-control": "no-store" });
      response.end(JSON.stringify(report));
    });
  };
}
