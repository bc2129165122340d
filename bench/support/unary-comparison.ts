import type { BenchTarget } from "./baseline-servers.ts";
import type { LoadResult } from "./grpc-unary-load.ts";
import { fullGc } from "./memory-after-gc.ts";
import { formatMs, formatNumber, formatRatio, printTable } from "./report.ts";

/** A server under test and the authorization its clients send. */
export interface ComparedServer {
  readonly label: string;
  start(): Promise<BenchTarget & { readonly authorization: string }>;
}

/** One server's figures in one round. */
export interface ServerFigures {
  readonly load: LoadResult;
  /** Server-process CPU time (all threads) per successful request, in microseconds. */
  readonly cpuPerRequestUs: number;
}

/**
 * Runs the same load against every server, one after the other, for several rounds, and prints a
 * table. Each server also gets its CPU time per request: throughput on a shared machine moves with
 * the neighbours' load, CPU per request much less, so its ratios are the steadier comparison.
 *
 * The servers share this process, so each one leaves its garbage (the matchmaker: every ticket it
 * stored) to the next, and the host's speed drifts within a round (in a fixed order every server ran
 * faster than the one before it). So the heap is collected before each server starts, and each round
 * starts one server further along (a b c, then b c a, then c a b): every server runs once in every
 * position. Results are kept in server order.
 */
export async function compareServers(
  servers: readonly ComparedServer[],
  rounds: number,
  runLoad: (target: BenchTarget & { readonly authorization: string }, userPrefix: string) => Promise<LoadResult>,
): Promise<ServerFigures[][]> {
  const results: ServerFigures[][] = [];
  const rows: string[][] = [];
  for (let round = 1; round <= rounds; round++) {
    const figures: ServerFigures[] = new Array(servers.length);
    for (let step = 0; step < servers.length; step++) {
      const index = (round - 1 + step) % servers.length;
      const server = servers[index]!;
      fullGc();
      const target = await server.start();
      const cpuFrom = process.cpuUsage();
      const load = await runLoad(target, `r${round}s${index}`);
      const cpu = process.cpuUsage(cpuFrom);
      await target.close();
      const cpuPerRequestUs = (cpu.user + cpu.system) / load.completed;
      figures[index] = { load, cpuPerRequestUs };
      rows.push([
        String(round),
        server.label,
        formatNumber(load.successPerSecond),
        formatMs(load.latency.p50),
        formatMs(load.latency.p99),
        `${formatNumber(cpuPerRequestUs)} µs`,
        `${load.failures}${load.firstFailure === undefined ? "" : ` (${load.firstFailure})`}${load.exhausted ? " EXHAUSTED" : ""}`,
      ]);
    }
    results.push(figures);
  }
  printTable("Per server and round", ["round", "server", "ok req/s", "p50", "p99", "server CPU/req", "failures"], rows);
  return results;
}

/** Throughput and CPU-efficiency ratios of server `of` against server `to`, per round, and their medians. */
export function ratiosBetween(results: readonly ServerFigures[][], of: number, to: number): { throughput: number[]; cpu: number[] } {
  return {
    throughput: results.map((round) => round[of]!.load.successPerSecond / round[to]!.load.successPerSecond),
    cpu: results.map((round) => round[to]!.cpuPerRequestUs / round[of]!.cpuPerRequestUs),
  };
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A row for a ratios table: per-round values, then the median. */
export function ratioCells(values: readonly number[]): string {
  return `${values.map(formatRatio).join(", ")} (median ${formatRatio(median(values))})`;
}
