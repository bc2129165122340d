import { once } from "node:events";
import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy in front of a redis-server whose replies can be held back: commands reach Redis at
 * once (and are applied), their replies reach the client `delayMs` later, in order. Stands for a
 * Redis that answers after the client's deadline: a change made whose answer is lost.
 */
export class SlowReplyProxy {
  /** How long each reply is held; 0 passes them on at once. */
  delayMs = 0;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(upstreamPort: number): Promise<SlowReplyProxy> {
    const server = createServer();
    const proxy = new SlowReplyProxy(server);
    server.on("connection", (client) => proxy.#relay(client, upstreamPort));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${(this.#server.address() as { port: number }).port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #relay(client: Socket, upstreamPort: number): void {
    const upstream = createConnection({ host: "127.0.0.1", port: upstreamPort });
    this.#sockets.add(client).add(upstream);
    client.pipe(upstream);
    const held: { chunk: Buffer; at: number }[] = [];
    let lastAt = 0;
    let timer: NodeJS.Timeout | undefined;
    const pump = (): void => {
      timer = undefined;
      while (held.length > 0 && held[0]!.at <= Date.now()) client.write(held.shift()!.chunk);
      if (held.length > 0) timer = setTimeout(pump, held[0]!.at - Date.now());
    };
    upstream.on("data", (chunk: Buffer) => {
      // Never before an earlier reply: order is kept.
      lastAt = Math.max(lastAt, Date.now() + this.delayMs);
      held.push({ chunk, at: lastAt });
      if (timer === undefined) pump();
    });
    const close = (): void => {
      clearTimeout(timer);
      client.destroy();
      upstream.destroy();
      this.#sockets.delete(client);
      this.#sockets.delete(upstream);
    };
    client.on("close", close).on("error", close);
    upstream.on("close", close).on("error", close);
  }
}
