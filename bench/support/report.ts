/** Prints a titled, aligned table: the benchmark's figures as a reader (and BENCHMARKS.md) sees them. */
export function printTable(title: string, header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  process.stdout.write(`\n${title}\n${line(header)}\n| ${widths.map((w) => "-".repeat(w)).join(" | ")} |\n`);
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
}

/** A figure with thousands separators and a fixed number of decimals. */
export function formatNumber(value: number, decimals = 0): string {
  return Number.isFinite(value)
    ? value.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals })
    : "n/a";
}

/** Milliseconds with a precision that suits their size. */
export function formatMs(value: number): string {
  return Number.isFinite(value) ? `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms` : "n/a";
}

/** A ratio such as 0.82x. */
export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : "n/a";
}

/** Prints a line under the tables: a target and whether this run met it. */
export function printVerdict(target: string, met: boolean, detail: string): void {
  process.stdout.write(`${met ? "MET   " : "MISSED"} ${target}: ${detail}\n`);
}
