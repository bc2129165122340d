import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { JWK } from "jose";

/** A real JWKS endpoint on 127.0.0.1 whose key set and health a test can change between calls. */
export interface JwksServer {
  readonly url: string;
  /** The keys served from the next request on. */
  keys: JWK[];
  /** When false the endpoint answers 503, as an IdP in trouble would. */
  available: boolean;
  /** How many times the key set was requested. */
  readonly requests: number;
  close(): Promise<void>;
}

export async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  let requests = 0;
  const server = createServer((_request, response) => {
    requests += 1;
    if (!state.available) {
      response.writeHead(503).end();
      return;
    }
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const state: JwksServer = {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    keys,
    available: true,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  return state;
}
