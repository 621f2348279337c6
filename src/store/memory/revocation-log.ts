// The embedded store's revocation feed: revocations in id order (../revocation-ids.ts), dropped once
// their id lies a margin behind the injected clock (as the Redis feed trims them), and, past
// `maxRevocations`, oldest first; either way the highest id dropped is remembered, so a reader whose
// cursor is older learns that it missed some (`reset`). Waiting readers are woken by each append.
import {
  REVOCATION_TRIM_MARGIN_MS, compareRevocationIds, formatRevocationId, nextRevocationId, parseRevocationId,
  revocationUntilOffset, type RevocationId
} from '../revocation-ids.js'
import type { Revocation, RevocationPage, RevocationReason } from '../types.js'

export interface RevocationLogOptions {
  /** Drives trimming only; decisions about what is in force use the caller's `now`. */
  clock: () => number
  /** ACCESS_TOKEN_TTL in seconds: `until` = at + accessTokenTtl + 5. */
  accessTokenTtl: number
  /** Most revocations kept; past it the oldest go first (its readers are told to reset). */
  maxRevocations: number
}

// The id is kept parsed (and spelt out when read): two numbers cost less than a string per entry.
interface StoredRevocation extends Omit<Revocation, 'id'> {
  id: RevocationId
}

const NO_ID: RevocationId = { ms: 0, seq: 0 }
const DEFAULT_LIMIT = 1000

export class RevocationLog {
  // Oldest first; entries before `head` are dropped (the array is compacted now and then).
  private entries: StoredRevocation[] = []
  private head = 0
  private lastId = NO_ID
  private maxDroppedId = NO_ID
  private readonly wakers = new Set<() => void>()
  private closed = false
  private readonly untilOffset: number

  constructor (private readonly options: RevocationLogOptions) {
    this.untilOffset = revocationUntilOffset(options.accessTokenTtl)
  }

  /** Revocations kept, out of force ones not yet trimmed included (for tests and metrics). */
  get size (): number {
    return this.entries.length - this.head
  }

  /** Appends one revocation per ended session (in order) and wakes the waiting readers. */
  append (ended: Array<{ userId: string, sessionId: string, reason: RevocationReason }>, now: number): void {
    if (ended.length === 0) return
    const at = Math.floor(now / 1000)
    for (const { userId, sessionId, reason } of ended) {
      const until = at + this.untilOffset
      this.lastId = nextRevocationId(this.lastId, until * 1000)
      this.entries.push({ id: this.lastId, sid: sessionId, sub: userId, reason, at, until })
    }
    this.sweep()
    for (const wake of this.wakers) wake()
  }

  read (after: string | null, now: number, limit = DEFAULT_LIMIT): RevocationPage {
    this.sweep()
    let reset = false
    let cursor = formatRevocationId(this.lastId)
    let from: RevocationId | undefined
    if (after !== null) {
      const parsed = parseRevocationId(after)
      if (parsed === null || compareRevocationIds(parsed, this.maxDroppedId) < 0 || compareRevocationIds(parsed, this.lastId) > 0) {
        reset = true
      } else {
        cursor = after
        from = parsed
      }
    }
    const revocations: Revocation[] = []
    for (let i = from === undefined ? this.head : this.firstAfter(from); i < this.entries.length && revocations.length < limit; i++) {
      const entry = this.entries[i] as StoredRevocation
      cursor = formatRevocationId(entry.id)
      if (entry.until * 1000 > now) revocations.push({ ...entry, id: cursor })
    }
    return { revocations, cursor, reset }
  }

  /** read(after), or, while that finds nothing in force, waits for appends until `timeoutMs` pass. */
  async wait (after: string, timeoutMs: number, now: number): Promise<RevocationPage> {
    let page = this.read(after, now)
    if (page.revocations.length > 0 || page.reset || this.closed) return page
    let timer: NodeJS.Timeout | undefined
    let wake: () => void = () => {}
    const timedOut = new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs) })
    try {
      for (;;) {
        const appended = new Promise<void>((resolve) => { wake = resolve })
        this.wakers.add(wake)
        if (await Promise.race([appended.then(() => false), timedOut.then(() => true)])) return page
        this.wakers.delete(wake)
        if (this.closed) return page
        page = this.read(page.cursor, now)
        if (page.revocations.length > 0 || page.reset) return page
      }
    } finally {
      this.wakers.delete(wake)
      clearTimeout(timer)
    }
  }

  /** Ends every wait at once (each answers what it has), and every later one, as the store closes. */
  close (): void {
    this.closed = true
    for (const wake of this.wakers) wake()
  }

  /**
   * Drops entries whose id (at least their `until`) lies a margin behind the clock: out of force for
   * every reader. Past maxRevocations the oldest go even if in force. Runs on every append and read.
   */
  sweep (): void {
    const threshold = this.options.clock() - REVOCATION_TRIM_MARGIN_MS
    while (this.head < this.entries.length) {
      const oldest = this.entries[this.head] as StoredRevocation
      if (oldest.id.ms >= threshold && this.size <= this.options.maxRevocations) break
      this.maxDroppedId = oldest.id
      this.head++
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head)
      this.head = 0
    }
  }

  /** Index of the first entry with an id above `id` (binary search: ids grow). */
  private firstAfter (id: RevocationId): number {
    let low = this.head
    let high = this.entries.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (compareRevocationIds((this.entries[middle] as StoredRevocation).id, id) <= 0) low = middle + 1
      else high = middle
    }
    return low
  }
}
