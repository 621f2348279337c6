// The one reader of the store's revocations in a process (docs/http-api.md, "Revocation feed"): it
// reads all in force, then waits for new ones in a loop from its cursor, puts each in the process's
// RevocationSet (the bearer check) and hands it to every subscriber (the feed's open streams), so
// any number of gateways on one instance cost one store reader.
//
// When the store fails, the loop backs off and, once it answers again, reads everything after its
// last cursor: nothing written meanwhile is lost. Verification goes on with the set as it is.
//
// Besides the loop, sync() reads from the cursor at once, for a call that ended sessions it cannot
// name (logout-all, a password change), so this instance refuses their tokens before it answers.
// Such a read overlaps the loop's pending wait, so both can return the same revocation: ids and
// cursors of both stores grow in feed order as strings (src/store/revocation-ids.ts), and anything
// at or before the cursor has been handed on already.
import type { AuthStore, Revocation, RevocationPage } from '../store/types.js'
import type { RevocationSet } from './revocation-set.js'

/** Revocations asked for per read (the store's default page). */
export const REVOCATION_PAGE_SIZE = 1000

/**
 * Whether more may follow the page read from `from`: it is full, or it holds nothing in force but
 * the cursor moved (a store may stop scanning a long run of lapsed entries before the end). Feed
 * order is the order of `until`, so once a page holds one revocation in force, everything after it
 * is in force too and a short page is the end.
 */
export function mayContinue (page: RevocationPage, from: string | null): boolean {
  return page.revocations.length >= REVOCATION_PAGE_SIZE || (page.revocations.length === 0 && page.cursor !== from)
}

/** What subscribers receive: new revocations in feed order, or after `reset`, every one in force. */
export interface RevocationBatch {
  reset: boolean
  revocations: readonly Revocation[]
}

export interface RevocationFollowerOptions {
  store: Pick<AuthStore, 'readRevocations' | 'waitForRevocations'>
  set: RevocationSet
  /** ms since the epoch. */
  now: () => number
  /** How long one waitForRevocations may block (ms). */
  waitTimeoutMs?: number
  /** Back-off after a store error: from `min`, doubling up to `max` (ms). */
  retryDelayMs?: { min: number, max: number }
  /** Told once when following breaks (not again until it has recovered). */
  onStoreError?: (error: unknown) => void
  /** Told when following works again after onStoreError. */
  onRecovered?: () => void
}

export interface RevocationFollower {
  /** Starts following; resolves once the first read of all in force has succeeded or failed. */
  start (): Promise<void>
  /** Stops the loop; a wait in flight ends when the store closes or times out. */
  stop (): void
  /** Reads everything after the cursor now. Rejects when the store does (the loop retries on its own). */
  sync (): Promise<void>
  /** Calls `listener` with every batch from now on; returns a function that stops it. */
  subscribe (listener: (batch: RevocationBatch) => void): () => void
  /** Whether the last store read succeeded. */
  readonly healthy: boolean
}

export function createRevocationFollower (options: RevocationFollowerOptions): RevocationFollower {
  const { store, set, now } = options
  const waitTimeoutMs = options.waitTimeoutMs ?? 5_000
  // At most half a second apart: the first read after the store is back is the one that learns what
  // other instances revoked, and the contract gives every instance 1 s from the ending call's answer.
  // A read fails at once while Redis is away, so trying twice a second costs next to nothing.
  const retry = options.retryDelayMs ?? { min: 100, max: 500 }
  const listeners = new Set<(batch: RevocationBatch) => void>()
  let cursor: string | null = null
  let healthy = false
  let broken = false
  let stopped = false
  let wakeFromBackOff: (() => void) | undefined
  let syncing: Promise<void> | undefined
  let syncQueued: Promise<void> | undefined

  function emit (batch: RevocationBatch): void {
    for (const listener of listeners) {
      try {
        listener(batch)
      } catch {
        // A subscriber's failure is its own (its stream closes); the others and the set go on.
      }
    }
  }

  function apply (page: RevocationPage): void {
    if (page.reset) {
      // The cursor was older than everything kept: this is every revocation in force. What the set
      // holds stays: each entry is a session that did end, and lapses at its own `until`.
      for (const revocation of page.revocations) set.add(revocation.sid, revocation.until)
      cursor = page.cursor
      emit({ reset: true, revocations: page.revocations })
      return
    }
    const seenUpTo = cursor
    const fresh = seenUpTo === null ? page.revocations : page.revocations.filter((revocation) => revocation.id > seenUpTo)
    for (const revocation of fresh) set.add(revocation.sid, revocation.until)
    if (cursor === null || page.cursor > cursor) cursor = page.cursor
    if (fresh.length > 0) emit({ reset: false, revocations: fresh })
  }

  async function readToEnd (): Promise<void> {
    let position = cursor
    for (;;) {
      const page = await store.readRevocations(position, now(), REVOCATION_PAGE_SIZE)
      apply(page)
      if (!mayContinue(page, position)) return
      position = page.cursor
    }
  }

  // One read at a time; callers arriving during one share a single read that starts after it, so
  // each caller's read begins after its own call.
  function sync (): Promise<void> {
    if (syncQueued !== undefined) return syncQueued
    if (syncing === undefined) {
      syncing = readToEnd().finally(() => { syncing = undefined })
      return syncing
    }
    syncQueued = syncing.catch(() => {}).then(() => {
      syncQueued = undefined
      return sync()
    })
    return syncQueued
  }

  async function backOff (ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      wakeFromBackOff = () => { clearTimeout(timer); resolve() }
    })
    wakeFromBackOff = undefined
  }

  async function follow (firstRead: () => void): Promise<void> {
    let delay = retry.min
    let readNext = true
    while (!stopped) {
      try {
        if (readNext || cursor === null) {
          await sync()
          readNext = false
        } else {
          const from = cursor
          const page = await store.waitForRevocations(from, waitTimeoutMs, now())
          if (stopped) return
          apply(page)
          readNext = mayContinue(page, from)
        }
        healthy = true
        if (broken) {
          broken = false
          options.onRecovered?.()
        }
        delay = retry.min
      } catch (error) {
        if (stopped) return
        healthy = false
        if (!broken) {
          broken = true
          options.onStoreError?.(error)
        }
        readNext = true
        firstRead()
        await backOff(delay)
        delay = Math.min(retry.max, delay * 2)
        continue
      }
      firstRead()
    }
  }

  return {
    async start () {
      await new Promise<void>((resolve) => { void follow(resolve) })
    },
    stop () {
      stopped = true
      wakeFromBackOff?.()
    },
    sync,
    subscribe (listener) {
      listeners.add(listener)
      return () => { listeners.delete(listener) }
    },
    get healthy () { return healthy }
  }
}
