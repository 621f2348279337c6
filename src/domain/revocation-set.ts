// The revocations in force that this process knows of (docs/http-api.md, "Revocation feed"), for the
// bearer check every request makes: session id -> `until` (Unix seconds). The check is one Map
// lookup by the token's `sid`: no store round trip, no allocation.
//
// Entries are dropped at `until` by sweep(). Checking `until` on the hot path is unnecessary: no
// access token of the session verifies after `until` (at most at + ACCESS_TOKEN_TTL + 5, and every
// such token expired by exp + 5 s of leeway at the latest), so an entry kept a little longer refuses
// nothing that would have passed.
//
// Every entry is added with until = at + ACCESS_TOKEN_TTL + 5, so the Map's insertion order is also
// (nearly: instances' clocks differ a little) the order of `until`: a sweep walks from the oldest
// entry and stops at the first one still in force, touching only what it removes.

/** Entries kept at most by default: far more session ends than a deployment sees in one ACCESS_TOKEN_TTL. */
export const DEFAULT_MAX_REVOCATIONS = 1_000_000

export interface RevocationSet {
  /** Whether `sid` is a session that ended while its access tokens can still verify. */
  has (sid: string): boolean
  /** Adds (or extends) the revocation of `sid` until `until` (Unix seconds). */
  add (sid: string, until: number): void
  /** Drops entries whose `until` has passed at `nowMs` (ms since the epoch); returns how many. */
  sweep (nowMs: number): number
  readonly size: number
  /**
   * Entries still in force that were dropped because the set was full (the soonest to lapse go
   * first). Nonzero means the bound is too low for this deployment's rate of session ends.
   */
  readonly overflowed: number
}

export function createRevocationSet (maxEntries = DEFAULT_MAX_REVOCATIONS): RevocationSet {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer')
  const untilBySid = new Map<string, number>()
  let overflowed = 0

  function insert (sid: string, until: number): void {
    const known = untilBySid.get(sid)
    if (known !== undefined) {
      // Keeps its place in the order; the later `until` is the one that matters.
      if (until > known) untilBySid.set(sid, until)
      return
    }
    if (untilBySid.size >= maxEntries) {
      const oldest = untilBySid.keys().next()
      if (oldest.done !== true) {
        untilBySid.delete(oldest.value)
        overflowed++
      }
    }
    untilBySid.set(sid, until)
  }

  return {
    has: (sid) => untilBySid.has(sid),
    add: insert,
    sweep (nowMs) {
      const nowSeconds = nowMs / 1000
      let removed = 0
      for (const [sid, until] of untilBySid) {
        if (until > nowSeconds) break
        untilBySid.delete(sid)
        removed++
      }
      return removed
    },
    get size () { return untilBySid.size },
    get overflowed () { return overflowed }
  }
}
