// The seeding entry point the bench fills Redis with (src/store/redis-seeding.ts): what it writes
// must be what the store itself would hold, so the store reads, lists, rotates and ends it.
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { Redis } from 'ioredis'
import { startRedisServer } from '../../bench/lib/redis-server.js'
import { createRedisSeeder } from '../../src/store/redis-seeding.js'
import { createRedisStore } from '../../src/store/redis-store.js'
import type { UserRecord } from '../../src/store/types.js'

const server = await startRedisServer()
t.teardown(async () => { await server.stop() })
const inspector = new Redis(server.url)
t.teardown(() => { inspector.disconnect() })

const id = (): string => randomBytes(16).toString('base64url')
const IDLE_MS = 3_600_000

function open (): { store: ReturnType<typeof createRedisStore>, seeder: ReturnType<typeof createRedisSeeder>, prefix: string } {
  const prefix = `seed${id()}:`
  const store = createRedisStore({ url: server.url, prefix })
  const seeder = createRedisSeeder({ url: server.url, prefix })
  t.teardown(async () => { await Promise.all([store.close(), seeder.close()]) })
  return { store, seeder, prefix }
}

const keysUnder = async (prefix: string): Promise<number> => (await inspector.keys(`${prefix}*`)).length

t.test('written accounts read back through the store, and hold no username claim', async (t) => {
  const { store, seeder } = open()
  const accounts: UserRecord[] = [1, 2].map((n) => ({ id: id(), username: `seeded-${n}`, passwordHash: `$argon2id$${id()}`, createdAt: 1_700_000_000_000 + n }))
  await seeder.writeAccounts(accounts)
  for (const account of accounts) {
    t.same(await store.findUserById(account.id), account)
    t.equal(await store.findUserByUsername(account.username), null, 'no claim: nobody logs in by this name')
  }
})

t.test('copies are sessions of their own that the store finds, lists, rotates and ends', async (t) => {
  const { store, seeder, prefix } = open()
  const now = Date.now()
  const template = { userId: id(), sessionId: id() }
  const firstHash = id()
  await store.createSession({ ...template, tokenHash: firstHash, now, idleTtlMs: IDLE_MS, maxTtlMs: 10 * IDLE_MS, ip: '203.0.113.9', userAgent: 'seeding-test/1.0' })
  const successorHash = id()
  const rotated = await store.rotateRefreshToken({ ...template, generation: 1, presentedHash: firstHash, successorHash, successorBox: randomBytes(32).toString('base64url'), now: now + 1, idleTtlMs: IDLE_MS, graceMs: 10_000, ip: '203.0.113.9', userAgent: 'seeding-test/1.0' })
  t.equal(rotated.outcome, 'rotated')
  const keysBefore = await keysUnder(prefix)

  const expiresAt = now + IDLE_MS / 2
  const progress: number[] = []
  const count = 2_001
  const copy = await seeder.copySessions([template], count, expiresAt, (written) => { progress.push(written) })
  if (copy === null) throw new Error('no copy returned')
  t.same(progress, [2_000, 2_001], 'progress after each batch')
  t.equal(await keysUnder(prefix) - keysBefore, 2 * count, 'a session key and an account hash per copy')
  t.not(copy.userId, template.userId)

  const found = await store.findSession(copy.userId, copy.sessionId, now + 2)
  t.match(found, { id: copy.sessionId, userId: copy.userId, createdAt: now, lastUsedAt: now + 1, expiresAt, ip: '203.0.113.9', userAgent: 'seeding-test/1.0' })
  t.same((await store.listSessions(copy.userId, now + 2)).map((session) => session.id), [copy.sessionId], 'in its own index')
  const next = await store.rotateRefreshToken({ ...copy, generation: 2, presentedHash: successorHash, successorHash: id(), successorBox: randomBytes(32).toString('base64url'), now: now + 3, idleTtlMs: IDLE_MS, graceMs: 10_000, ip: '203.0.113.9', userAgent: 'seeding-test/1.0' })
  t.equal(next.outcome, 'rotated', 'holds the template\'s current token')
  t.equal(await store.endSession(copy.userId, copy.sessionId, 'logout', now + 4), true)
  t.same(await store.listSessions(copy.userId, now + 4), [])
  t.ok(await store.findSession(template.userId, template.sessionId, now + 4), 'the template is untouched')
})

t.test('no copies: nothing written, no sample', async (t) => {
  const { seeder, prefix } = open()
  t.equal(await seeder.copySessions([], 0, Date.now() + IDLE_MS), null)
  t.equal(await keysUnder(prefix), 0)
  await t.rejects(seeder.copySessions([{ userId: id(), sessionId: id() }], 1, Date.now() + IDLE_MS), /does not exist/)
})

t.test('footprint reports what the session record and its account hash cost', async (t) => {
  const { store, seeder } = open()
  const session = { userId: id(), sessionId: id() }
  await seeder.writeAccounts([{ id: session.userId, username: 'footprint', passwordHash: `$argon2id$${id()}`, createdAt: 0 }])
  await store.createSession({ ...session, tokenHash: id(), now: Date.now(), idleTtlMs: IDLE_MS, maxTtlMs: IDLE_MS, ip: '::1', userAgent: 'x'.repeat(100) })
  const footprint = await seeder.footprint(session)
  t.ok(footprint.session > 100, `session record: ${footprint.session} B, holding a 100-byte user agent`)
  t.ok(footprint.account > 0, `account hash: ${footprint.account} B`)
  t.equal(footprint.session, Number(await inspector.memory('USAGE', (await inspector.keys(`*${session.sessionId}`))[0] as string)))
})
