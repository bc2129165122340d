const collectGarbage = (globalThis as { gc?: () => void }).gc;

/**
 * The process's heap and RSS after two full garbage collections, so that a difference between two
 * readings is what is still held, not garbage. Needs `--expose-gc` (npm run bench passes it).
 */
export function memoryAfterGc(): { heap: number; rss: number } {
  fullGc();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}

/**
 * Two full garbage collections: what is left is what is still held. Needs `--expose-gc` (npm run
 * bench passes it).
 */
export function fullGc(): void {
  if (collectGarbage === undefined) throw new Error("run with --expose-gc (npm run bench does)");
  collectGarbage();
  collectGarbage();
}
