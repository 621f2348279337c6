// The revocations in force, in memory: session id -> `until` (Unix seconds). A lookup is one Map
// read, so checking every request costs nothing measurable. An entry answers "revoked" only while
// `until` is ahead of the clock, whether or not a sweep has removed it yet; sweeps only free memory.
//
// Each entry is the sid string (22 characters from Rotor) and a small integer in a Map: about 100
// bytes on Node 20 (test/clients/gateway/revocation-set-memory.test.ts measures it).

/** Default ceiling of entries: revocations in force are the sessions ended within the last ACCESS_TOKEN_TTL + 5 s. */
export const DEFAULT_MAX_REVOCATIONS = 1_000_000

export interface RevocationSetOptions {
  /** ms since the epoch. */
  now: () => number
  maxEntries?: number
  /** Called with the sid dropped while still in force because the set was full. */
  onOverflow?: (sid: string) => void
}

export class RevocationSet {
  private readonly entries = new Map<string, number>()
  private readonly now: () => number
  private readonly maxEntries: number
  private readonly onOverflow: ((sid: string) => void) | undefined
  private lastFullSweepAt = -Infinity

  constructor (options: RevocationSetOptions) {
    this.now = options.now
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_REVOCATIONS
    this.onOverflow = options.onOverflow
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) throw new RangeError('maxEntries must be a positive integer')
  }

  /** Entries held, expired ones not yet swept included. */
  get size (): number {
    return this.entries.size
  }

  /** Whether `sid` has a revocation in force now. */
  has (sid: string): boolean {
    const until = this.entries.get(sid)
    return until !== undefined && until * 1000 > this.now()
  }

  /** Keeps `sid` revoked until `until`; an entry already past it is not kept. */
  add (sid: string, until: number): void {
    if (until * 1000 <= this.now()) return
    const known = this.entries.get(sid)
    if (known !== undefined) {
      if (until > known) this.entries.set(sid, until)
      return
    }
    if (this.entries.size >= this.maxEntries && this.sweepWhenFull() === 0) {
      // Full of entries in force: the oldest added ends soonest (until = at + a fixed TTL), so it
      // is the one whose loss lets a revoked token through for the shortest time.
      const oldest = this.entries.keys().next().value as string
      this.entries.delete(oldest)
      this.onOverflow?.(oldest)
    }
    this.entries.set(sid, until)
  }

  // A full set of entries in force would otherwise be walked on every add: at most once a second.
  private sweepWhenFull (): number {
    const now = this.now()
    if (now - this.lastFullSweepAt < 1000) return 0
    this.lastFullSweepAt = now
    return this.sweep()
  }

  /** Removes entries past `until`; returns how many. */
  sweep (): number {
    const nowSeconds = this.now() / 1000
    let removed = 0
    for (const [sid, until] of this.entries) {
      if (until <= nowSeconds) {
        this.entries.delete(sid)
        removed++
      }
    }
    return removed
  }
}
