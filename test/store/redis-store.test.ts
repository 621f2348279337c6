// The Redis store against the store contract, on this test's own redis-server (a fresh random
// prefix per subtest, so nothing is shared), plus what only Redis has: user agents packed into one
// string, the index's expiries, and replies a script could get wrong.
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { redisStoreHarness } from '../helpers/redis-store-harness.js'
import { Redis } from 'ioredis'
import { sessionKey, userKey } from '../../src/store/redis-keys.js'
import { createRedisStore } from '../../src/store/redis-store.js'
import type { AuthStore } from '../../src/store/types.js'
import { startRedisServer } from '../../bench/lib/redis-server.js'
import { storeContract } from './contract.js'

const server = await startRedisServer()
t.teardown(async () => { await server.stop() })
const inspector = new Redis(server.url)
t.teardown(() => { inspector.disconnect() })

const id = (): string => randomBytes(16).toString('base64url')

storeContract(t, 'redis', async () => {
  return redisStoreHarness({ url: server.url, prefix: `c${id()}:` }, inspector)
})

// --- Redis only -------------------------------------------------------------------------------

function openStore (prefix = `r${id()}:`): { store: AuthStore, prefix: string } {
  const store = createRedisStore({ url: server.url, prefix })
  t.teardown(async () => { await store.close() })
  return { store, prefix }
}

t.test('user agents of any length and alphabet come back byte for byte (one packed string a session)', async (t) => {
  const { store, prefix } = openStore()
  const userId = id()
  // Multi-byte characters: the record holds byte lengths, not character counts.
  const agents = ['', 'a', 'x'.repeat(63), 'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(128), 'é'.repeat(100), `Mozilla/5.0 😀 ${'ü'.repeat(90)}`]
  for (const userAgent of agents) {
    const sessionId = id()
    const tokenHash = id()
    const now = Date.now()
    const { session: created } = await store.createSession({ userId, sessionId, tokenHash, now, idleTtlMs: 60_000, maxTtlMs: 600_000, ip: '::1', userAgent })
    t.equal(created.userAgent, userAgent)
    t.equal((await store.findSession(userId, sessionId, now))?.userAgent, userAgent, `found: ${userAgent.length} chars`)
    const rotated = await store.rotateRefreshToken({ userId, sessionId, generation: 1, presentedHash: tokenHash, successorHash: id(), successorBox: randomBytes(32).toString('base64url'), now, idleTtlMs: 60_000, graceMs: 10_000, ip: '::1', userAgent })
    t.equal(rotated.outcome === 'rotated' && rotated.session.userAgent, userAgent, 'rotated')
    t.equal(await inspector.type(sessionKey(prefix, userId, sessionId)), 'string', 'the session stays one packed string')
  }
  const listed = await store.listSessions(userId, Date.now())
  t.same(listed.map((session) => session.userAgent).sort(), [...agents].sort(), 'listed')
})

t.test('listSessions is oldest first and reports the expiry the index holds', async (t) => {
  const { store } = openStore()
  const userId = id()
  const now = Date.now()
  const ids = [id(), id(), id()]
  for (const [n, sessionId] of ids.entries()) {
    // The oldest session expires last: index order and age order differ.
    await store.createSession({ userId, sessionId, tokenHash: id(), now: now + n, idleTtlMs: 60_000 - n * 1000, maxTtlMs: 600_000, ip: '::1', userAgent: '' })
  }
  const listed = await store.listSessions(userId, now + 10)
  t.same(listed.map((session) => session.id), ids)
  t.same(listed.map((session) => session.expiresAt), ids.map((_, n) => now + n + 60_000 - n * 1000))
})

t.test('a reply error that is not an outage surfaces as itself, not as StoreUnavailableError', async (t) => {
  const { store, prefix } = openStore()
  const userId = id()
  // A key of the wrong type where the account hash (and session index) should be: a bug or a clash, not an outage.
  await inspector.set(userKey(prefix, userId), 'not a hash', 'PX', 60_000)
  await t.rejects(store.listSessions(userId, Date.now()), { name: 'ReplyError', message: /WRONGTYPE/ })
})
