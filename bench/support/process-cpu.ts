import { readFileSync } from "node:fs";

/**
 * CPU time, in seconds, a process has used since it started (user plus system), from Linux's
 * `/proc/<pid>/stat`; NaN where that cannot be read (another OS, a process gone).
 *
 * Why: a benchmark that runs the matchmaker in its own processes cannot read their event loops, and
 * naming what bounds the throughput needs to know which process used a whole core.
 */
export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (in parentheses, which may hold spaces): utime and stime are
    // the 12th and 13th, in clock ticks of 1/100 s (USER_HZ, fixed at 100 for /proc).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}
