/**
 * Benchmark 6: opening a matching pass with Redis (`TicketStore.beginPass`) over 10k and 100k
 * waiting tickets, against listing the same queued set's ids with a bare `ZRANGE` in the same run:
 * the least any pass must read. The first pass of a lease holder reads every ticket's document;
 * later passes read only the tickets they have not seen, and only the changes to the queue since
 * the pass before (its change log), measured with no change in between and with a tick's worth of
 * changes (new tickets and cancelled ones). Redis's own time is its main thread's CPU time: while a
 * script runs, Redis serves no other client.
 */
import { createClient } from "redis";
import pino from "pino";
import type { Ticket } from "../src/domain/ticket.ts";
import { RedisKeys } from "../src/storage/redis/redis-keys.ts";
import { createRedisStorage } from "../src/storage/redis/redis-storage.ts";
import { startRedisServer } from "../test/support/redis-server.ts";
import { formatMs, formatNumber, formatRatio, printTable } from "./support/report.ts";
import { median } from "./support/unary-comparison.ts";

const SIZES = [10_000, 100_000] as const;
const LATER_PASSES = 5;
const QUEUE = "duel";
const CREATE_BATCH = 1_000;
/** Tickets enqueued, and as many cancelled, between two passes of the "with changes" row. */
const CHURN = 1_000;

const server = await startRedisServer();
const inspector = createClient({ url: server.url });
await inspector.connect();

/**
 * Microseconds of CPU Redis's main thread (the one that runs every command) has used since it
 * started. Not `INFO commandstats`: it counts a script's own commands again inside the script's
 * time, and the commands of a transaction again inside `EXEC`'s.
 */
async function redisMainThreadCpuUs(): Promise<number> {
  const cpu = await inspector.info("cpu");
  const seconds = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(cpu)?.[1] ?? Number.NaN);
  return (seconds("used_cpu_user_main_thread") + seconds("used_cpu_sys_main_thread")) * 1_000_000;
}

interface Measured {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly redisMs: number;
}

async function measure(run: () => Promise<unknown>): Promise<Measured> {
  const busyFrom = await redisMainThreadCpuUs();
  const cpuFrom = process.cpuUsage();
  const startedAt = performance.now();
  await run();
  const wallMs = performance.now() - startedAt;
  const cpu = process.cpuUsage(cpuFrom);
  // The INFO call that reads the figure counts too (a few µs).
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, redisMs: ((await redisMainThreadCpuUs()) - busyFrom) / 1000 };
}

process.stdout.write(`\n## 6. Opening a matching pass with Redis: beginPass over n waiting tickets, vs ZRANGE of their ids\n`);
const rows: string[][] = [];
for (const [index, size] of SIZES.entries()) {
  const keyPrefix = `bench${index}`;
  const open = (instanceId: string) =>
    createRedisStorage({
      url: server.url,
      instanceId,
      keyPrefix,
      leaseTtlMs: 10_000,
      logger: pino({ level: "silent" }),
      clock: { now: () => Date.now() },
      retentionMs: 600_000,
      commandTimeoutMs: 60_000,
    });
  const writer = await open("writer");
  const now = Date.now();
  for (let start = 0; start < size; start += CREATE_BATCH) {
    await Promise.all(
      Array.from({ length: Math.min(CREATE_BATCH, size - start) }, (_, offset) => writer.store.create(waitingTicket(start + offset, size, now))),
    );
  }
  await writer.close();
  const queuedKey = new RedisKeys(keyPrefix).queued(QUEUE);
  const lister = await open("lister");
  const ids: Measured[] = [];
  for (let pass = 0; pass < LATER_PASSES; pass++) ids.push(await measure(() => inspector.zRange(queuedKey, 0, -1)));
  const first = await measure(() => lister.store.beginPass(QUEUE, 0, now));
  const later: Measured[] = [];
  for (let pass = 0; pass < LATER_PASSES; pass++) later.push(await measure(() => lister.store.beginPass(QUEUE, 0, now)));
  // A tick's worth of changes before each pass: new tickets (read for the first time) and
  // cancelled ones spread over the queue.
  const churned: Measured[] = [];
  const churner = await open("churner");
  let created = size;
  for (let pass = 0; pass < LATER_PASSES; pass++) {
    const cancelFrom = pass * CHURN * 7;
    await Promise.all(Array.from({ length: CHURN }, (_, k) => churner.store.create(waitingTicket(created + k, size, now))));
    await Promise.all(Array.from({ length: CHURN }, (_, k) => churner.store.cancel(`bench-ticket-${(cancelFrom + k * 7) % size}`, now)));
    created += CHURN;
    churned.push(await measure(() => lister.store.beginPass(QUEUE, 0, now)));
  }
  await churner.close();
  await lister.close();
  const baseline = median(ids.map((figures) => figures.wallMs));
  const row = (label: string, figures: Measured | readonly Measured[]): string[] => {
    const all = Array.isArray(figures) ? figures : [figures];
    const wallMs = median(all.map((f) => f.wallMs));
    return [
      formatNumber(size),
      label,
      formatMs(wallMs),
      formatMs(median(all.map((f) => f.cpuMs))),
      formatMs(median(all.map((f) => f.redisMs))),
      formatRatio(wallMs / baseline),
    ];
  };
  rows.push(row(`ZRANGE of the ids (baseline, median of ${LATER_PASSES})`, ids));
  rows.push(row("beginPass, first pass of a lease holder", first));
  rows.push(row(`beginPass, later passes (median of ${LATER_PASSES})`, later));
  rows.push(row(`beginPass, later passes after ${formatNumber(CHURN)} enqueued and ${formatNumber(CHURN)} cancelled (median of ${LATER_PASSES})`, churned));
}
printTable("One pass opened over n waiting tickets (wall, this process's CPU, Redis's main-thread CPU)", ["tickets", "read", "wall", "client CPU", "Redis CPU", "wall / baseline"], rows);
inspector.destroy();
await server.stop();

/** The `index`-th of `count` waiting solo duel tickets, oldest first, created up to `now`. */
function waitingTicket(index: number, count: number, now: number): Ticket {
  const createdAt = now - count + index;
  return {
    id: `bench-ticket-${index}`,
    queue: QUEUE,
    state: "queued",
    players: [{ userId: `bench-player-${index}`, skill: 1000 + (index % 1000) }],
    partyId: "",
    latencyMs: { "eu-west": 20 + (index % 40), "us-east": 90 + (index % 30) },
    createdAt,
    expiresAt: now + 3_600_000,
    updatedAt: createdAt,
    version: 1,
  };
}
