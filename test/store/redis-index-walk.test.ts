// A session's creation walks the user's index (dropping fields of ended sessions) only when the
// account hash holds a power of two fields (lua/create-session.lua): a user with many live
// sessions does not pay a read per session on every login. That ended sessions' fields still go is
// a store contract case (test/helpers/store-contract/sessions.ts).
// Reads are counted with INFO commandstats on this test's own redis-server (script-internal calls
// included): PEXPIRETIME is the walk's read per index field.
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { Redis } from 'ioredis'
import { createRedisStore } from '../../src/store/redis-store.js'
import { userKey } from '../../src/store/redis-keys.js'
import { startRedisServer } from '../../bench/lib/redis-server.js'

const server = await startRedisServer()
t.teardown(async () => { await server.stop() })
const inspector = new Redis(server.url)
t.teardown(() => { inspector.disconnect() })
const prefix = 'walk:'
const store = createRedisStore({ url: server.url, prefix })
t.teardown(async () => { await store.close() })

const id = (): string => randomBytes(16).toString('base64url')

async function pexpiretimeCalls (): Promise<number> {
  const stats = await inspector.info('commandstats')
  return Number(/cmdstat_pexpiretime:calls=(\d+)/.exec(stats)?.[1] ?? 0)
}

async function createSessions (userId: string, count: number, now: number, idleTtlMs: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await store.createSession({ userId, sessionId: id(), tokenHash: id(), now, idleTtlMs, maxTtlMs: idleTtlMs, ip: '203.0.113.7', userAgent: 'walk/1.0' })
  }
}

const indexFields = async (userId: string): Promise<number> =>
  (await inspector.hkeys(userKey(prefix, userId))).filter((field) => field.startsWith('s:')).length

t.test('400 logins of one user read the index about twice per login, not once per session each time', async (t) => {
  const userId = id()
  const before = await pexpiretimeCalls()
  await createSessions(userId, 400, Date.now(), 600_000)
  const reads = await pexpiretimeCalls() - before
  // Walking on every login would read 0 + 1 + ... + 399 = 79,800 fields.
  t.ok(reads <= 2 * 400, `${reads} index reads for 400 logins`)
  t.equal(await indexFields(userId), 400, 'every live session stays indexed')
  t.same((await store.listSessions(userId, Date.now())).length, 400, 'and listed')
})
