/**
 * The longest delay `setTimeout` honours: Node fires a longer one after 1 ms (with a
 * TimeoutOverflowWarning). A deadline further away than this (24.8 days) is treated as none: every
 * call and stream ends long before it.
 */
export const LONGEST_TIMER_MS = 2 ** 31 - 1;
