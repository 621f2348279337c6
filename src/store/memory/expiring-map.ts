// A Map whose entries expire the way Redis keys do: an entry past its time on the injected clock is
// deleted when read (Redis's lazy expiry), swept when nobody reads it, and when the map is full the
// entry expiring soonest makes room (Redis's volatile-ttl eviction).

export class ExpiringMap<V> {
  private readonly entries = new Map<string, V>()

  /** `expiresAt` gives an entry's expiry on `clock`'s time line. */
  constructor (private readonly clock: () => number, private readonly expiresAt: (value: V) => number) {}

  get size (): number { return this.entries.size }

  /** The live entry at `key`; an expired one is deleted and reads as absent. */
  get (key: string): V | undefined {
    const value = this.entries.get(key)
    if (value === undefined || this.expiresAt(value) > this.clock()) return value
    this.entries.delete(key)
    return undefined
  }

  set (key: string, value: V): void { this.entries.set(key, value) }

  delete (key: string): boolean { return this.entries.delete(key) }

  /**
   * Before an insert into a map holding `limit` entries: evicts the expired ones, then, if it is
   * still full, the one expiring soonest. `evict` must delete the entry (and whatever hangs on it).
   */
  makeRoom (limit: number, evict: (key: string, value: V) => void): void {
    if (this.entries.size < limit) return
    const time = this.clock()
    let soonestKey: string | undefined
    let soonest = Infinity
    for (const [key, value] of this.entries) {
      const at = this.expiresAt(value)
      if (at <= time) evict(key, value)
      else if (at < soonest) {
        soonest = at
        soonestKey = key
      }
    }
    if (this.entries.size >= limit && soonestKey !== undefined) evict(soonestKey, this.entries.get(soonestKey) as V)
  }

  /** Evicts every expired entry (by default: deletes it), read or not. */
  sweep (evict: (key: string, value: V) => void = (key) => { this.entries.delete(key) }): void {
    const time = this.clock()
    for (const [key, value] of this.entries) if (this.expiresAt(value) <= time) evict(key, value)
  }
}
