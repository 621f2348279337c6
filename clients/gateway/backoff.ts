// Reconnection delays: exponential, capped, with "equal jitter" (half the delay fixed, half random),
// so a fleet of gateways cut off by one Rotor restart does not come back in lockstep, and none
// retries at once in a tight loop, as "full jitter" (anywhere from 0) would allow.

export interface BackoffOptions {
  /** Delay before the first retry, in ms. */
  initialMs: number
  /** Ceiling of any delay, in ms. */
  maxMs: number
  /** A number in [0, 1); Math.random by default. */
  random?: () => number
}

/** The delay before retry number `attempt` (0 for the first retry after a failure). */
export function backoffDelay (attempt: number, options: BackoffOptions): number {
  const random = options.random ?? Math.random
  // 2 ** 30 is far past any ceiling; capping the exponent keeps the arithmetic finite.
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30))
  return Math.round(ceiling / 2 + random() * ceiling / 2)
}
