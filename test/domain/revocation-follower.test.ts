// The process's one revocation follower on a real store (embedded and Redis): it reads all in force
// at start, follows new ones into the set and to subscribers, sync() reads at once what an ending
// call made, overlapping reads hand nothing on twice, and a Redis restart is caught up from the
// cursor with nothing lost.
import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { createRevocationFollower, type RevocationBatch, type RevocationFollower } from '../../src/domain/revocation-follower.js'
import { createRevocationSet, type RevocationSet } from '../../src/domain/revocation-set.js'
import { createRedisStore } from '../../src/store/redis-store.js'
import type { AuthStore, RevocationPage } from '../../src/store/types.js'
import { forEachStore } from '../helpers/app.js'
import { startRedisServer } from '../../bench/lib/redis-server.js'

const id = (): string => randomBytes(16).toString('base64url')

/** A live session of a new user; returns its ids. */
async function liveSession (store: AuthStore, userId = id()): Promise<{ userId: string, sessionId: string }> {
  const sessionId = id()
  await store.createSession({
    userId, sessionId, tokenHash: id(), now: Date.now(), idleTtlMs: 600_000, maxTtlMs: 600_000, ip: '127.0.0.1', userAgent: 'test'
  })
  return { userId, sessionId }
}

async function endedSession (store: AuthStore): Promise<string> {
  const { userId, sessionId } = await liveSession(store)
  if (!await store.endSession(userId, sessionId, 'logout', Date.now())) throw new Error('the session did not end')
  return sessionId
}

interface Followed {
  follower: RevocationFollower
  set: RevocationSet
  /** Every sid handed to subscribers, in order. */
  delivered: string[]
  batches: RevocationBatch[]
}

async function follow (t: Test, store: Pick<AuthStore, 'readRevocations' | 'waitForRevocations'>, options: { onStoreError?: () => void, onRecovered?: () => void } = {}): Promise<Followed> {
  const set = createRevocationSet()
  const follower = createRevocationFollower({ store, set, now: Date.now, waitTimeoutMs: 500, retryDelayMs: { min: 50, max: 200 }, ...options })
  const delivered: string[] = []
  const batches: RevocationBatch[] = []
  follower.subscribe((batch) => {
    batches.push(batch)
    for (const revocation of batch.revocations) delivered.push(revocation.sid)
  })
  t.teardown(() => { follower.stop() })
  await follower.start()
  return { follower, set, delivered, batches }
}

async function until (what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await sleep(10)
  }
}

forEachStore(t, async (t, kind) => {
  t.test('reads all in force at start, then follows new ones into the set and to subscribers', async (t) => {
    const store = await kind.create(t)
    const before = [await endedSession(store), await endedSession(store)]
    const { set, delivered, follower } = await follow(t, store)
    t.ok(before.every((sid) => set.has(sid)), 'the set holds what was revoked before start')
    t.same(delivered, before, 'and subscribers got it, oldest first')
    t.ok(follower.healthy)
    const live = await endedSession(store)
    await until('the new revocation arrives', () => set.has(live))
    t.same(delivered, [...before, live], 'each once, in feed order')
    const untouched = await liveSession(store)
    t.notOk(set.has(untouched.sessionId), 'a live session is not revoked')
  })

  t.test('sync() reads at once what logout-all made, and nothing is handed on twice', async (t) => {
    const store = await kind.create(t)
    // The loop's waits are held back, so only sync() can have read what follows.
    let releaseWaits: () => void = () => {}
    const held = new Promise<void>((resolve) => { releaseWaits = resolve })
    const slowStore = {
      readRevocations: store.readRevocations.bind(store),
      async waitForRevocations (after: string, timeoutMs: number, now: number): Promise<RevocationPage> {
        await held
        return await store.waitForRevocations(after, timeoutMs, now)
      }
    }
    const { set, follower, delivered } = await follow(t, slowStore)
    const userId = id()
    const sessions = [await liveSession(store, userId), await liveSession(store, userId), await liveSession(store, userId)]
    t.equal(await store.endAllSessions(userId, Date.now()), 3)
    t.ok(sessions.every(({ sessionId }) => !set.has(sessionId)), 'not yet read')
    await follower.sync()
    t.ok(sessions.every(({ sessionId }) => set.has(sessionId)), 'sync() read all three')
    // Now the held wait reads from the cursor it started at: the same three come back.
    releaseWaits()
    const after = await endedSession(store)
    await until('the loop reads on', () => set.has(after))
    t.same(delivered, [...sessions.map((s) => s.sessionId), after], 'each revocation handed on exactly once')
  })

  t.test('concurrent sync() calls share reads and each sees what came before it', async (t) => {
    const store = await kind.create(t)
    const { set, follower, delivered } = await follow(t, store)
    const ended = await Promise.all(Array.from({ length: 10 }, async () => {
      const sid = await endedSession(store)
      await follower.sync()
      return { sid, known: set.has(sid) }
    }))
    t.ok(ended.every((entry) => entry.known), 'every caller found its own revocation read when sync() resolved')
    await until('all delivered', () => delivered.length === 10)
    t.equal(new Set(delivered).size, 10, 'none twice')
  })
})

t.test('Redis restarted: the follower reports it once, catches up from its cursor and loses nothing', async (t) => {
  const redis = await startRedisServer({ config: { appendonly: 'yes', appendfsync: 'always' } })
  t.teardown(async () => { await redis.stop() })
  const store = createRedisStore({ url: redis.url, prefix: 'follower-restart:' })
  t.teardown(async () => { await store.close() })
  // The instance that ends sessions while the follower's instance is still reconnecting.
  const other = createRedisStore({ url: redis.url, prefix: 'follower-restart:' })
  t.teardown(async () => { await other.close() })

  let errors = 0
  let recoveries = 0
  const { set, delivered } = await follow(t, store, { onStoreError: () => { errors++ }, onRecovered: () => { recoveries++ } })
  const before = await endedSession(other)
  await until('the first revocation arrives', () => set.has(before))

  await redis.restart()
  // As soon as Redis answers again, another instance ends a session.
  let during: string | undefined
  while (during === undefined) during = await endedSession(other).catch(async () => { await sleep(20); return undefined })
  const ended = during
  await until('the follower catches up', () => set.has(ended), 15_000)
  t.ok(set.has(before), 'what was known before the restart is still known')
  t.same(delivered, [before, ended], 'each handed on once, nothing lost')
  t.equal(errors, 1, 'the outage was reported once')
  t.equal(recoveries, 1, 'and the recovery once')
})
