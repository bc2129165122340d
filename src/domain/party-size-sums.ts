/**
 * The seat totals a set of parties can put on one side, as a bitset (bit s set: some of the parties
 * take exactly s seats together). With two teams, parties fit whole exactly when one of those totals
 * fits the first team and the rest fits the second, so this answers a seating check in a few bit
 * operations instead of a search, and a gather keeps it up to date as members join (one shift per
 * member) instead of searching again for every candidate it examines.
 *
 * Bit 31 is out of reach: callers use these sums only while every total is at most
 * {@link MAX_SUMMED_SEATS}.
 */
export type PartySizeSums = number;

/** The sums of no parties: only 0. */
export const NO_PARTIES: PartySizeSums = 1;

/** Largest seat total a {@link PartySizeSums} can hold (bits 0..30 of a 32-bit integer). */
export const MAX_SUMMED_SEATS = 30;

/** The sums once a party of `size` seats is added: every previous total, with and without it. */
export function withParty(sums: PartySizeSums, size: number): PartySizeSums {
  return sums | (sums << size);
}

/**
 * Whether parties with these `sums`, taking `total` seats together, can be seated whole on two teams
 * with `freeFirst` and `freeSecond` seats: some subset's total fits the first team and the rest fits
 * the second. `total` must be at most {@link MAX_SUMMED_SEATS}.
 */
export function fitsTwoTeams(sums: PartySizeSums, total: number, freeFirst: number, freeSecond: number): boolean {
  const low = Math.max(0, total - freeSecond);
  const high = Math.min(freeFirst, total);
  if (low > high) return false;
  // Bits low..high: all bits up to high, less those below low.
  const range = ((2 << high) - 1) & ~((1 << low) - 1);
  return (sums & range) !== 0;
}
