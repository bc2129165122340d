/**
 * Benchmark 9: what one allocation call to a fleet costs the matchmaker. Every match makes one, so
 * the client's CPU per call is part of the CPU per player. The reference registry runs in a child
 * process (its CPU is not this process's), and three clients call its Allocate in turn:
 *
 * (a) a unary gRPC call written by hand on `node:http2`: the least a call can cost here;
 * (b) connect-node's own gRPC transport, as the fleet clients used until 2026-11-26;
 * (c) `RegistryAllocator` as shipped: its unary transport (`UnaryGrpcTransport`), retries, deadline
 *     and error mapping.
 */
import { spawn } from "node:child_process";
import * as http2 from "node:http2";
import { fileURLToPath } from "node:url";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { RegistryAllocator } from "../src/clients/registry/registry-allocator.ts";
import { AllocateRequestSchema, AllocateResponseSchema, GameServerRegistryService } from "../src/gen/gameserver/v1/registry_pb.js";
import { registerDevelopmentServers } from "../src/registry/development-servers.ts";
import { startRegistryServer } from "../src/registry/registry-server.ts";
import { formatNumber, formatRatio, printTable } from "./support/report.ts";

const WARM_UP_CALLS = 2_000;
const MEASURED_CALLS = 20_000;
const CONCURRENCIES = [1, 16] as const;
const ROUNDS = 2;

if (process.argv[2] === "registry") {
  const registry = await startRegistryServer({ host: "127.0.0.1", port: 0 });
  registerDevelopmentServers(registry, [{ id: "bench-eu", region: "eu-west", address: "127.0.0.1:7777", capacity: 1_000_000_000 }]);
  process.stdout.write(`${registry.port}\n`);
} else {
  const registry = spawn(process.execPath, [fileURLToPath(import.meta.url), "registry"], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve) => registry.stdout.once("data", (data: Buffer) => resolve(Number(data.toString().trim()))));
  const url = `http://127.0.0.1:${port}`;
  let matches = 0;
  const nextRequest = () => ({ matchId: `m${matches++}`, queue: "duel", region: "eu-west", playerCount: 2 });

  const session = http2.connect(url);
  const byHand = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const body = toBinary(AllocateRequestSchema, create(AllocateRequestSchema, nextRequest()));
      const framed = Buffer.alloc(5 + body.byteLength);
      framed.writeUInt32BE(body.byteLength, 1);
      framed.set(body, 5);
      const stream = session.request({
        ":method": "POST",
        ":path": "/gameserver.v1.GameServerRegistryService/Allocate",
        "content-type": "application/grpc+proto",
        te: "trailers",
        "grpc-timeout": "1000m",
      });
      const chunks: Buffer[] = [];
      let status: unknown;
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("trailers", (trailers) => (status = trailers["grpc-status"]));
      stream.on("error", reject);
      stream.on("close", () => {
        if (status !== "0") return reject(new Error(`grpc-status ${String(status)}`));
        fromBinary(AllocateResponseSchema, Buffer.concat(chunks).subarray(5));
        resolve();
      });
      stream.end(framed);
    });
  const sessionManager = new Http2SessionManager(url);
  const connectClient = createClient(GameServerRegistryService, createGrpcTransport({ baseUrl: url, sessionManager }));
  const viaConnect = async (): Promise<void> => {
    await connectClient.allocate(nextRequest(), { timeoutMs: 1_000 });
  };
  const allocator = new RegistryAllocator({ fleet: "reference", url });
  const shipped = async (): Promise<void> => {
    await allocator.allocate({ ...nextRequest(), labels: {} });
  };
  const clients = [
    ["(a) by hand on node:http2", byHand],
    ["(b) connect-node gRPC transport", viaConnect],
    ["(c) RegistryAllocator (UnaryGrpcTransport)", shipped],
  ] as const;

  /** Calls/s and this process's CPU per call, `MEASURED_CALLS` calls with `concurrency` in flight. */
  const measure = async (call: () => Promise<void>, concurrency: number) => {
    let started = 0;
    const loop = async (): Promise<void> => {
      while (started < MEASURED_CALLS) {
        started++;
        await call();
      }
    };
    const cpuFrom = process.cpuUsage();
    const startedAt = performance.now();
    await Promise.all(Array.from({ length: concurrency }, loop));
    const seconds = (performance.now() - startedAt) / 1000;
    const cpu = process.cpuUsage(cpuFrom);
    return { perSecond: MEASURED_CALLS / seconds, cpuMicros: (cpu.user + cpu.system) / MEASURED_CALLS };
  };

  for (const [, call] of clients) for (let i = 0; i < WARM_UP_CALLS; i++) await call();
  process.stdout.write(`\n## 9. One allocation call to a fleet (the reference registry in its own process), client CPU per call\n`);
  const rows: string[][] = [];
  const cpuByClient = new Map<string, number[]>();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const concurrency of CONCURRENCIES) {
      for (const [label, call] of clients) {
        const { perSecond, cpuMicros } = await measure(call, concurrency);
        rows.push([String(round), String(concurrency), label, formatNumber(perSecond), `${cpuMicros.toFixed(1)} µs`]);
        if (concurrency > 1) cpuByClient.set(label, [...(cpuByClient.get(label) ?? []), cpuMicros]);
      }
    }
  }
  printTable(`${formatNumber(MEASURED_CALLS)} calls per row, after ${formatNumber(WARM_UP_CALLS)} untimed calls each`, ["round", "in flight", "client", "calls/s", "CPU per call"], rows);
  const [byHandCpu, connectCpu, shippedCpu] = clients.map(([label]) => Math.min(...cpuByClient.get(label)!));
  process.stdout.write(
    `\nCPU per call with ${CONCURRENCIES.at(-1)} in flight (best round): connect-node ${formatRatio(connectCpu! / byHandCpu!)} of by hand, ` +
      `RegistryAllocator ${formatRatio(shippedCpu! / byHandCpu!)} of by hand, ${formatRatio(connectCpu! / shippedCpu!)} less than connect-node's\n`,
  );
  session.close();
  sessionManager.abort();
  allocator.close();
  registry.kill();
}
