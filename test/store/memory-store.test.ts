// The embedded store against the store contract (with an injected clock, so TTL time passes
// instantly), plus what only it has: size bounds, its sweep, and waits that end when it closes.
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { MemoryStoreFullError, createMemoryStore, type MemoryStore, type MemoryStoreOptions } from '../../src/store/memory-store.js'
import type { UserRecord } from '../../src/store/types.js'
import { storeContract } from './contract.js'

storeContract(t, 'memory', async () => {
  let time = Date.now()
  const store = createMemoryStore({ clock: () => time, accessTokenTtl: 300 })
  return {
    store,
    accessTokenTtl: 300,
    now: () => time,
    wait: async (ms) => { time += ms },
    indexedSessionIds: async (userId) => store.indexedSessionIds(userId),
    teardown: async () => { await store.close() }
  }
})

// --- Memory only ------------------------------------------------------------------------------

function fixture (options: Omit<MemoryStoreOptions, 'clock'> = {}): { store: MemoryStore, clock: { time: number } } {
  const clock = { time: 1_000_000 }
  const store = createMemoryStore({ ...options, clock: () => clock.time })
  t.teardown(async () => { await store.close() })
  return { store, clock }
}

async function session (store: MemoryStore, userId: string, sessionId: string, now: number, idleTtlMs: number): Promise<void> {
  await store.createSession({ userId, sessionId, tokenHash: sessionId, now, idleTtlMs, maxTtlMs: 60_000, ip: '::1', userAgent: '' })
}

t.test('at maxSessions a new session evicts expired ones, else the one closest to its end', async (t) => {
  const { store, clock } = fixture({ maxSessions: 3 })
  const now = clock.time
  await session(store, 'u1', 'long', now, 3000)
  await session(store, 'u2', 'short', now, 1000)
  await session(store, 'u1', 'middle', now, 2000)
  await session(store, 'u3', 'new', now, 5000)
  t.equal(store.stats().sessions, 3)
  t.equal(await store.findSession('u2', 'short', now), null, 'the soonest to end went')
  t.same(store.indexedSessionIds('u2'), [], 'with its index entry')
  t.same((await store.listSessions('u1', now)).map((s) => s.id), ['long', 'middle'])
  clock.time = now + 2500
  await session(store, 'u4', 'newer', clock.time, 1000)
  t.equal(await store.findSession('u1', 'middle', now), null, 'an expired one goes first')
  t.ok(await store.findSession('u1', 'long', clock.time), 'before any live one')
})

t.test('at maxCounters a new counter evicts the one closest to its reset', async (t) => {
  const { store, clock } = fixture({ maxCounters: 2 })
  const now = clock.time
  await store.incrementCounter('late', 60_000, now)
  await store.incrementCounter('soon', 1000, now)
  await store.incrementCounter('late', 60_000, now)
  await store.incrementCounter('new', 30_000, now)
  t.equal(store.stats().counters, 2)
  t.equal((await store.readCounter('soon', now)).count, 0)
  t.equal((await store.readCounter('late', now)).count, 2)
})

t.test('at maxUsers createUser rejects and no account is ever evicted', async (t) => {
  const { store } = fixture({ maxUsers: 2, maxSessions: 1 })
  const user = (n: number): UserRecord => ({ id: `id${n}`, username: `user${n}`, passwordHash: 'h', createdAt: 0 })
  t.equal(await store.createUser(user(1)), 'created')
  t.equal(await store.createUser(user(2)), 'created')
  await t.rejects(store.createUser(user(3)), MemoryStoreFullError)
  t.equal(await store.createUser({ ...user(3), username: 'user1' }), 'taken', 'a taken name is still taken')
  await session(store, 'id1', 's1', 0, 1000)
  await session(store, 'id2', 's2', 0, 1000)
  t.equal(store.stats().users, 2)
  t.ok(await store.findUserByUsername('user1'))
  t.equal(await store.findUserById('id3'), null)
})

t.test('the clock expires entries: lazily on access, and by the sweep when nobody reads them', async (t) => {
  const lazy = fixture({ sweepIntervalMs: 3_600_000 })
  const now = lazy.clock.time
  await session(lazy.store, 'u', 's', now, 1000)
  await lazy.store.incrementCounter('c', 1000, now)
  lazy.clock.time += 1000
  t.same(lazy.store.stats(), { users: 0, sessions: 1, indexes: 1, counters: 1, revocations: 0 }, 'nothing read, nothing swept yet')
  t.equal(await lazy.store.findSession('u', 's', now), null, 'gone for a caller whose now lags')
  t.equal((await lazy.store.readCounter('c', now)).count, 0)
  t.same(lazy.store.indexedSessionIds('u'), [])
  t.same(lazy.store.stats(), { users: 0, sessions: 0, indexes: 0, counters: 0, revocations: 0 }, 'reads remove what expired')

  const swept = fixture({ sweepIntervalMs: 5 })
  await session(swept.store, 'u', 's', swept.clock.time, 1000)
  await swept.store.incrementCounter('c', 1000, swept.clock.time)
  swept.clock.time += 1000
  const deadline = Date.now() + 2000
  while (swept.store.stats().sessions + swept.store.stats().indexes + swept.store.stats().counters > 0 && Date.now() < deadline) await sleep(5)
  t.same(swept.store.stats(), { users: 0, sessions: 0, indexes: 0, counters: 0, revocations: 0 })
})

t.test('close stops the sweep', async (t) => {
  const { store, clock } = fixture({ sweepIntervalMs: 5 })
  await session(store, 'u', 's', clock.time, 1000)
  await store.close()
  clock.time += 1000
  await sleep(50)
  t.equal(store.stats().sessions, 1)
})

t.test('revocations leave a minute after their until, read or not, and maxRevocations bounds them', async (t) => {
  const { store, clock } = fixture({ accessTokenTtl: 60, sweepIntervalMs: 5, maxRevocations: 3 })
  const now = clock.time
  for (const sessionId of ['a', 'b']) {
    await session(store, 'u', sessionId, now, 10_000)
    await store.endSession('u', sessionId, 'logout', now)
  }
  t.equal(store.stats().revocations, 2)
  const until = Math.floor(now / 1000) + 65
  clock.time = until * 1000
  t.same((await store.readRevocations(null, clock.time)).revocations, [], 'out of force at until')
  t.equal(store.stats().revocations, 2, 'kept a margin longer, for readers whose clocks lag')
  clock.time = until * 1000 + 60_001
  const deadline = Date.now() + 2000
  while (store.stats().revocations > 0 && Date.now() < deadline) await sleep(5)
  t.equal(store.stats().revocations, 0, 'swept without a read')

  const before = (await store.readRevocations(null, clock.time)).cursor
  for (const sessionId of ['c', 'd', 'e', 'f', 'g']) {
    await session(store, 'u', sessionId, clock.time, 10_000)
    await store.endSession('u', sessionId, 'revoked', clock.time)
  }
  t.equal(store.stats().revocations, 3, 'at most maxRevocations')
  const page = await store.readRevocations(before, clock.time)
  t.equal(page.reset, true, 'a reader behind the dropped ones resets')
  t.same(page.revocations.map((revocation) => revocation.sid), ['e', 'f', 'g'], 'to the newest')
})

t.test('close ends a wait at once with an empty page, and later waits too', async (t) => {
  const { store, clock } = fixture()
  const cursor = (await store.readRevocations(null, clock.time)).cursor
  const waiting = store.waitForRevocations(cursor, 60_000, clock.time)
  await sleep(20)
  await store.close()
  t.same(await waiting, { revocations: [], cursor, reset: false })
  t.same(await store.waitForRevocations(cursor, 60_000, clock.time), { revocations: [], cursor, reset: false })
})
