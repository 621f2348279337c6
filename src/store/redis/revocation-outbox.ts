// Redis Cluster: getting revocations from the slot outboxes into the feed (lua/lib/revocations.lua).
// A script that ends sessions cannot write the feed, which lies in another slot; it appends to the
// outbox of its own slot, atomically with the session ends, and returns what that outbox holds. The
// server then publishes those entries (publish-revocations.lua: exactly once, whoever publishes) and
// trims the outbox. What a server could not publish, because it died or the feed's node did not
// answer, stays in the outbox, and is published by:
// - the same server, retrying its slots every second while it lives;
// - any server's sweep: every `sweepIntervalMs` one server (a lease in the feed's slot) checks all
//   16384 outboxes and publishes what it finds.
// An outbox keeps entries until they are out of force, so nothing in force is lost unless no server
// runs for that long; a server that dies after publishing but before trimming leaves entries the
// publish step skips (their ids are not above the slot's mark).
import { randomBytes } from 'node:crypto'
import {
  revocationFeedKey, revocationMarksKey, revocationOutboxKey, revocationSweepLeaseKey, userKey
} from '../redis-keys.js'
import { REVOCATION_TRIM_MARGIN_MS, parseRevocationId, revocationUntilOffset, streamId } from '../revocation-ids.js'
import type { RedisContext } from './context.js'
import { SLOT_COUNT, keySlot, slotTag } from './key-slot.js'

/** Values per outbox entry in a script's reply: outbox id, sid, sub, reason, at, until. */
const ENTRY_VALUES = 6
const RETRY_INTERVAL_MS = 1000
/** Outboxes checked at once by a sweep. */
const SWEEP_BATCH = 256

export interface OutboxOptions {
  accessTokenTtl: number
  /** How often one server checks every outbox (default 30 s). */
  sweepIntervalMs?: number
}

export interface RevocationOutbox {
  /** The outbox of the slot holding `userId`'s keys. */
  keyFor (userId: string): string
  /**
   * Publishes the outbox entries a script returned (from index `from` of its reply). Rejects with
   * StoreUnavailableError when the feed's node does not answer: the entries stay in the outbox and
   * are published later (retry, sweep); the caller's sessions have ended all the same.
   */
  publish (userId: string, reply: unknown[], from: number): Promise<void>
  /** Checks every outbox once, publishing what it finds (what a sweep does). */
  sweep (): Promise<void>
  close (): Promise<void>
}

export function revocationOutbox (context: RedisContext, options: OutboxOptions): RevocationOutbox {
  const { client, prefix, scripts, call } = context
  const feedKey = revocationFeedKey(prefix)
  const marksKey = revocationMarksKey(prefix)
  const leaseKey = revocationSweepLeaseKey(prefix)
  const sweepIntervalMs = options.sweepIntervalMs ?? 30_000
  const outboxKeepMs = revocationUntilOffset(options.accessTokenTtl) * 1000 + REVOCATION_TRIM_MARGIN_MS
  // Marks must outlive every outbox entry they cover (publish-revocations.lua).
  const marksTtlMs = outboxKeepMs + REVOCATION_TRIM_MARGIN_MS
  // The slot tags are computed once per process: now, rather than in the first request that ends a session.
  slotTag(0)
  const retrySlots = new Set<number>()
  const background = new Set<Promise<unknown>>()
  let closed = false

  function track (work: Promise<unknown>): void {
    const settled = work.catch(() => { /* retried or swept later */ }).finally(() => background.delete(settled))
    background.add(settled)
  }

  async function publishEntries (slot: number, entries: unknown[]): Promise<void> {
    const [mark] = await call(() => scripts.publishRevocations(feedKey, marksKey, slot, REVOCATION_TRIM_MARGIN_MS, marksTtlMs, ...entries as string[])) as [string]
    const published = parseRevocationId(String(mark))
    if (published === null) return
    // Entries up to the mark are in the feed. Trimming them is housekeeping: the caller's answer
    // does not wait for it, and a failed trim only leaves entries the next publish skips.
    track(call(() => client.xtrim(revocationOutboxKey(prefix, slot), 'MINID', streamId({ ms: published.ms, seq: published.seq + 1 }))))
  }

  async function drain (slot: number): Promise<boolean> {
    const entries = await call(() => client.xrange(revocationOutboxKey(prefix, slot), '-', '+'))
    if (entries.length === 0) return false
    const flat: unknown[] = []
    for (const [id, fields] of entries) flat.push(id, fields[1], fields[3], fields[5], fields[7], fields[9])
    await publishEntries(slot, flat)
    return true
  }

  const retryTimer = setInterval(() => {
    for (const slot of retrySlots) {
      track(drain(slot).then(() => { retrySlots.delete(slot) }))
    }
  }, RETRY_INTERVAL_MS)
  retryTimer.unref()

  async function sweep (): Promise<void> {
    for (let first = 0; first < SLOT_COUNT && !closed; first += SWEEP_BATCH) {
      const slots = Array.from({ length: Math.min(SWEEP_BATCH, SLOT_COUNT - first) }, (_, i) => first + i)
      const present = await Promise.all(slots.map(async (slot) => await call(() => client.exists(revocationOutboxKey(prefix, slot)))))
      await Promise.all(slots.filter((_, i) => present[i] === 1).map(async (slot) => await drain(slot)))
    }
  }

  let sweeping = false
  const sweepTimer = setInterval(() => {
    if (sweeping) return
    sweeping = true
    // One server sweeps per interval: whoever takes the lease.
    track(call(() => client.set(leaseKey, randomBytes(8).toString('hex'), 'PX', sweepIntervalMs, 'NX')).then(async (taken) => {
      if (taken === 'OK') await sweep()
    }).finally(() => { sweeping = false }))
  }, sweepIntervalMs)
  sweepTimer.unref()

  return {
    keyFor: (userId) => revocationOutboxKey(prefix, keySlot(userKey(prefix, userId))),

    async publish (userId, reply, from) {
      if (reply.length <= from) return
      const slot = keySlot(userKey(prefix, userId))
      try {
        await publishEntries(slot, reply.slice(from, from + Math.floor((reply.length - from) / ENTRY_VALUES) * ENTRY_VALUES))
      } catch (error) {
        retrySlots.add(slot)
        throw error
      }
    },

    sweep,

    async close () {
      closed = true
      clearInterval(retryTimer)
      clearInterval(sweepTimer)
      await Promise.all(background)
    }
  }
}
