import type http from "node:http";
import type http2 from "node:http2";
import type { AddressInfo } from "node:net";

/** Starts `server` on `port` (0: a free one) and answers the port it got, or fails as listen does. */
export async function listen(server: http.Server | http2.Http2Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
