// The revocation feed on standalone Redis, beyond the contract: what Redis keeps (entries removed,
// not only hidden, once out of force; the key expires), instances sharing one feed, a blocking
// wait that holds up nothing else, a restart that loses nothing acknowledged, and what a
// revocation costs in Redis memory.
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { Redis } from 'ioredis'
import { StoreUnavailableError } from '../../src/errors.js'
import { revocationFeedKey } from '../../src/store/redis-keys.js'
import { createRedisStore, type RedisStoreOptions } from '../../src/store/redis-store.js'
import type { AuthStore } from '../../src/store/types.js'
import { startRedisServer } from '../../bench/lib/redis-server.js'

// AOF on, as in production (redis.conf): the restart test relies on it.
const server = await startRedisServer({ config: { appendonly: 'yes' } })
t.teardown(async () => { await server.stop() })
const inspector = new Redis(server.url, { maxRetriesPerRequest: null })
inspector.on('error', () => {})
t.teardown(() => { inspector.disconnect() })

const id = (): string => randomBytes(16).toString('base64url')
const HOUR_MS = 3_600_000

function openStore (options: Partial<RedisStoreOptions> = {}): { store: AuthStore, prefix: string } {
  const prefix = options.prefix ?? `rv${id()}:`
  const store = createRedisStore({ url: server.url, ...options, prefix })
  t.teardown(async () => { await store.close() })
  return { store, prefix }
}

/** Opens and ends one session of a new user at `now`; returns its id. */
async function endOne (store: AuthStore, now = Date.now(), reason: 'logout' | 'revoked' = 'logout'): Promise<string> {
  const userId = id()
  const sessionId = id()
  await store.createSession({ userId, sessionId, tokenHash: id(), now, idleTtlMs: 5 * HOUR_MS, maxTtlMs: 5 * HOUR_MS, ip: '::1', userAgent: '' })
  if (!await store.endSession(userId, sessionId, reason, now)) throw new Error('the session did not end')
  return sessionId
}

t.test('entries out of force leave Redis (not only the pages), and the feed key always expires', async (t) => {
  const { store, prefix } = openStore()
  const feedKey = revocationFeedKey(prefix)
  const then = Date.now() - 4 * HOUR_MS
  for (let i = 0; i < 20; i++) await endOne(store, then)
  t.equal(await inspector.xlen(feedKey), 0, 'ended hours ago: out of force, removed as they came')
  const live = await endOne(store)
  t.equal(await inspector.xlen(feedKey), 1, 'one in force, kept')
  const ttl = await inspector.pttl(feedKey)
  t.ok(ttl > 900_000 && ttl <= (905 + 60) * 1000 + 1000, `the feed expires a minute after its newest until (${ttl} ms)`)
  t.same((await store.readRevocations(null, Date.now())).revocations.map((revocation) => revocation.sid), [live])
})

t.test('instances sharing a prefix share one feed, and a wait on one wakes for an end on another', async (t) => {
  const a = openStore()
  const b = openStore({ prefix: a.prefix })
  const { cursor } = await b.store.readRevocations(null, Date.now())
  const waiting = b.store.waitForRevocations(cursor, 10_000, Date.now())
  await sleep(100)
  const sessionId = await endOne(a.store, Date.now(), 'revoked')
  const page = await waiting
  t.same(page.revocations.map((revocation) => [revocation.sid, revocation.reason]), [[sessionId, 'revoked']])
})

t.test('a blocked wait holds up none of the store\'s other calls', async (t) => {
  const { store } = openStore()
  const { cursor } = await store.readRevocations(null, Date.now())
  const order: string[] = []
  const waiting = store.waitForRevocations(cursor, 3000, Date.now()).then((page) => { order.push('wait'); return page })
  await sleep(100)
  await store.ping()
  const sessionId = await endOne(store)
  order.push('calls')
  t.same((await waiting).revocations.map((revocation) => revocation.sid), [sessionId], 'the wait woke for the end')
  t.same(order, ['calls', 'wait'], 'the calls made while it waited answered first')
})

t.test('waitForRevocations rejects with StoreUnavailableError while Redis is down, and waits again once it is back', async (t) => {
  const own = await startRedisServer()
  t.teardown(async () => { await own.stop() })
  const store = createRedisStore({ url: own.url, prefix: `down${id()}:` })
  t.teardown(async () => { await store.close() })
  const { cursor } = await store.readRevocations(null, Date.now())
  const waiting = store.waitForRevocations(cursor, 10_000, Date.now()).then(() => null, (error: unknown) => error)
  await sleep(100)
  await own.kill()
  t.ok(await waiting instanceof StoreUnavailableError, 'a wait under way rejects')
  t.ok(await store.waitForRevocations(cursor, 10_000, Date.now()).then(() => null, (error: unknown) => error) instanceof StoreUnavailableError, 'so does a new one')
  await own.restart()
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline && await store.ping().then(() => false, () => true)) await sleep(100)
  const again = store.waitForRevocations(cursor, 10_000, Date.now())
  await sleep(100)
  const sessionId = await endOne(store)
  t.same((await again).revocations.map((revocation) => revocation.sid), [sessionId], 'and follows the feed again')
})

t.test('Redis restarted: every acknowledged revocation is still there, and cursors go on', async (t) => {
  const { store } = openStore()
  const { cursor } = await store.readRevocations(null, Date.now())
  const ended: string[] = []
  for (let i = 0; i < 50; i++) ended.push(await endOne(store))
  const half = (await store.readRevocations(cursor, Date.now(), 25)).cursor
  await server.restart()
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline && await store.ping().then(() => false, () => true)) await sleep(100)
  const all = await store.readRevocations(cursor, Date.now())
  t.equal(all.reset, false)
  t.same(all.revocations.map((revocation) => revocation.sid), ended, 'all 50, in order')
  const rest = await store.readRevocations(half, Date.now())
  t.same(rest.revocations.map((revocation) => revocation.sid), ended.slice(25), 'a cursor from before the restart reads on')
})

t.test('memory: what 10,000 revocations in force cost Redis', async (t) => {
  // The default prefix, and ids the size the server makes (16 random bytes, base64url).
  const own = await startRedisServer()
  t.teardown(async () => { await own.stop() })
  const admin = new Redis(own.url)
  t.teardown(() => { admin.disconnect() })
  const store = createRedisStore({ url: own.url, prefix: 'auth:' })
  t.teardown(async () => { await store.close() })
  const COUNT = 10_000
  const users = Array.from({ length: COUNT / 10 }, id)
  for (const userId of users) {
    for (let s = 0; s < 10; s++) {
      await store.createSession({ userId, sessionId: id(), tokenHash: id(), now: Date.now(), idleTtlMs: HOUR_MS, maxTtlMs: HOUR_MS, ip: '::1', userAgent: '' })
    }
  }
  // Half logout-all (ten revocations a call), half one logout at a time: both ways of writing.
  for (const [n, userId] of users.entries()) {
    if (n % 2 === 0) await store.endAllSessions(userId, Date.now())
    else for (const { id: sessionId } of await store.listSessions(userId, Date.now())) await store.endSession(userId, sessionId, 'logout', Date.now())
  }
  const feedKey = revocationFeedKey('auth:')
  t.equal(await admin.xlen(feedKey), COUNT, `${COUNT} revocations in force`)
  const feedBytes = Number(await admin.call('MEMORY', 'USAGE', feedKey, 'SAMPLES', '0'))
  // The allocator's view too: what deleting the feed gives back.
  const usedMemory = async (): Promise<number> => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1])
  const before = await usedMemory()
  await admin.del(feedKey)
  const freed = before - await usedMemory()
  t.comment(`MEMORY USAGE of the feed: ${feedBytes} B for ${COUNT} revocations = ${(feedBytes / COUNT).toFixed(1)} B each`)
  t.comment(`INFO used_memory freed by deleting it: ${freed} B = ${(freed / COUNT).toFixed(1)} B each`)
  t.ok(feedBytes / COUNT <= 128, `at most 128 B a revocation in Redis (${(feedBytes / COUNT).toFixed(1)} B)`)
})
