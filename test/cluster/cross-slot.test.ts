// Operations that span users or slots on a real Redis Cluster: logout-all and password change for
// many users whose keys land in different slots on different masters (each user's keys share one
// slot, so each call is one single-slot script), and createUser racing on one name, whose claim
// (`name:` key) and account (`{userId}:user`) sit in different slots on purpose.
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { Cluster, Redis } from 'ioredis'
import { revocationFeedKey, revocationOutboxKey, sessionKey, userKey, usernameKey } from '../../src/store/redis-keys.js'
import { SLOT_COUNT, keySlot } from '../../src/store/redis/key-slot.js'
import { createRedisStore } from '../../src/store/redis-store.js'
import type { Revocation, UserRecord } from '../../src/store/types.js'
import { startRedisCluster } from '../helpers/redis-cluster.js'

const cluster = await startRedisCluster()
t.teardown(async () => { await cluster.stop() })
const inspector = new Cluster(cluster.nodes)
t.teardown(() => { inspector.disconnect() })
const anyNode = cluster.nodes[0]!.port

const id = (): string => randomBytes(16).toString('base64url')
const IDLE_MS = 60_000
const MAX_MS = 600_000
const USERS = 30
const SESSIONS_PER_USER = 3

function newUser (username = `user-${id().toLowerCase()}`): UserRecord {
  return { id: id(), username, passwordHash: `$argon2id$v=19$m=19456,t=2,p=1$${id()}`, createdAt: Date.now() }
}

async function slotOf (key: string): Promise<number> {
  return Number(await cluster.command(anyNode, 'CLUSTER', 'KEYSLOT', key))
}

/** Port of the master serving `slot`, from CLUSTER SLOTS ([start, end, [host, port, id], …replicas]). */
async function masterOf (slot: number): Promise<number> {
  const ranges = await cluster.command(anyNode, 'CLUSTER', 'SLOTS') as Array<[number, number, [string, number]]>
  const range = ranges.find(([start, end]) => slot >= start && slot <= end)
  if (range === undefined) throw new Error(`slot ${slot} is not served`)
  return Number(range[2][1])
}

function openStore (prefix: string): ReturnType<typeof createRedisStore> {
  const store = createRedisStore({ clusterNodes: cluster.nodes, prefix })
  t.teardown(async () => { await store.close() })
  return store
}

async function seedUsers (store: ReturnType<typeof createRedisStore>): Promise<Array<{ user: UserRecord, sessionIds: string[] }>> {
  return await Promise.all(Array.from({ length: USERS }, async () => {
    const user = newUser()
    if (await store.createUser(user) !== 'created') throw new Error('seed user not created')
    const sessionIds = Array.from({ length: SESSIONS_PER_USER }, id)
    for (const sessionId of sessionIds) {
      await store.createSession({ userId: user.id, sessionId, tokenHash: id(), now: Date.now(), idleTtlMs: IDLE_MS, maxTtlMs: MAX_MS, ip: '192.0.2.1', userAgent: 'cluster-test' })
    }
    return { user, sessionIds }
  }))
}

t.test('every user keeps its keys in one slot, and users spread over slots and masters', async (t) => {
  const prefix = `x${id().slice(0, 8)}:`
  const users = await seedUsers(openStore(prefix))
  const slots = new Set<number>()
  for (const { user, sessionIds } of users) {
    const keys = [userKey(prefix, user.id), ...sessionIds.map((sessionId) => sessionKey(prefix, user.id, sessionId))]
    const userSlots = new Set(await Promise.all(keys.map(slotOf)))
    t.equal(userSlots.size, 1, `user ${user.id}: account (with the index) and sessions share one slot`)
    slots.add([...userSlots][0]!)
  }
  const masters = new Set(await Promise.all([...slots].map(masterOf)))
  // Random ids can share a slot now and then (birthday odds ~3% for 30 of 16384); most must not.
  t.ok(slots.size >= USERS / 2, `${USERS} users in ${slots.size} different slots`)
  t.equal(masters.size, 3, 'served by all three masters')
  t.comment(`${USERS} users, ${USERS * SESSIONS_PER_USER} sessions over ${slots.size} slots on ${masters.size} masters`)
})

t.test("the store's slot function is Redis's: every slot's revocation outbox lies in that slot", async (t) => {
  const prefix = 'auth:'
  const node = new Redis(anyNode, '127.0.0.1')
  t.teardown(() => { node.disconnect() })
  const keys = new Map<string, number>()
  for (let slot = 0; slot < SLOT_COUNT; slot++) keys.set(revocationOutboxKey(prefix, slot), slot)
  for (let i = 0; i < 200; i++) {
    const key = userKey(prefix, id())
    keys.set(key, keySlot(key))
  }
  keys.set(revocationFeedKey(prefix), keySlot(revocationFeedKey(prefix)))
  const pipeline = node.pipeline()
  for (const key of keys.keys()) pipeline.cluster('KEYSLOT', key)
  const replies = await pipeline.exec() ?? []
  const wrong = [...keys].filter(([_key, slot], i) => Number(replies[i]?.[1]) !== slot).map(([key]) => key)
  t.equal(replies.length, keys.size)
  t.same(wrong, [])
})

t.test('endAllSessions ends every session of each user, and only theirs, on every master', async (t) => {
  const prefix = `a${id().slice(0, 8)}:`
  const store = openStore(prefix)
  const users = await seedUsers(store)
  const { cursor } = await store.readRevocations(null, Date.now())
  const [spared, ...ending] = users
  const now = Date.now()
  const counts = await Promise.all(ending.map(async ({ user }) => await store.endAllSessions(user.id, now)))
  t.same(counts, ending.map(() => SESSIONS_PER_USER), 'each call reports every session of its user')
  for (const { user, sessionIds } of ending) {
    t.same(await store.listSessions(user.id, Date.now()), [], `${user.id}: no session listed`)
    for (const sessionId of sessionIds) t.equal(await store.findSession(user.id, sessionId, Date.now()), null)
    t.same((await inspector.hkeys(userKey(prefix, user.id))).filter((field) => field.startsWith('s:')), [], `${user.id}: index emptied`)
  }
  t.equal((await store.listSessions(spared!.user.id, Date.now())).length, SESSIONS_PER_USER, 'another user keeps all sessions')

  // Each user's revocations went through the outbox of its slot, on its master, into the one feed:
  // all of them are there as the calls resolve.
  const revoked: Revocation[] = []
  for (let page = await store.readRevocations(cursor, Date.now()); page.revocations.length > 0; page = await store.readRevocations(page.cursor, Date.now())) {
    revoked.push(...page.revocations)
  }
  const expected = ending.flatMap(({ user, sessionIds }) => sessionIds.map((sessionId) => `${user.id} ${sessionId} logout-all`)).sort()
  t.same(revoked.map((revocation) => `${revocation.sub} ${revocation.sid} ${revocation.reason}`).sort(), expected, 'one logout-all revocation per session, from all masters, nothing else')
})

t.test('changePassword swaps the hash and ends every other session of each user, on every master', async (t) => {
  const prefix = `p${id().slice(0, 8)}:`
  const store = openStore(prefix)
  const users = await seedUsers(store)
  const now = Date.now()
  const results = await Promise.all(users.map(async ({ user, sessionIds }) => {
    const newHash = `$argon2id$v=19$m=19456,t=2,p=1$${id()}`
    const ended = await store.changePassword({ userId: user.id, previousPasswordHash: user.passwordHash, passwordHash: newHash, keepSessionId: sessionIds[0]!, now })
    return { user, sessionIds, newHash, ended }
  }))
  for (const { user, sessionIds, newHash, ended } of results) {
    t.equal(ended, SESSIONS_PER_USER - 1, `${user.id}: the other sessions ended`)
    t.equal((await store.findUserById(user.id))?.passwordHash, newHash, `${user.id}: new hash stored`)
    t.same((await store.listSessions(user.id, Date.now())).map((session) => session.id), [sessionIds[0]], `${user.id}: only the kept session remains`)
  }
  // A second change with the old hash loses the compare-and-set on every slot alike.
  const stale = await Promise.all(results.map(async ({ user }) => await store.changePassword({ userId: user.id, previousPasswordHash: user.passwordHash, passwordHash: 'x', keepSessionId: null, now })))
  t.same(stale, results.map(() => -1), 'stale previous hash: -1 everywhere')
})

t.test('createUser racing on one name: one account, across the claim slot and the account slots', async (t) => {
  const prefix = `u${id().slice(0, 8)}:`
  const store = openStore(prefix)
  const other = openStore(prefix)
  const NAMES = 10
  const RACERS = 12
  for (let n = 0; n < NAMES; n++) {
    const username = `race-${id().toLowerCase()}`
    const racers = Array.from({ length: RACERS }, () => newUser(username))
    // Two store instances (two sets of connections), like two server processes.
    const outcomes = await Promise.all(racers.map(async (user, i) => await (i % 2 === 0 ? store : other).createUser(user)))
    const winners = racers.filter((_user, i) => outcomes[i] === 'created')
    t.equal(winners.length, 1, `${username}: exactly one created of ${RACERS}`)
    t.same(await store.findUserByUsername(username), winners[0], 'the name leads to the winner')
    const accountSlots = new Set(await Promise.all(racers.map(async (user) => await slotOf(userKey(prefix, user.id)))))
    t.ok(accountSlots.size > 1, `racers' accounts were in ${accountSlots.size} slots`)
    for (const [i, user] of racers.entries()) {
      if (outcomes[i] === 'taken') t.equal(await inspector.exists(userKey(prefix, user.id)), 0, 'a loser left no account')
    }
    t.equal(await inspector.pttl(usernameKey(prefix, username)), -1, 'the winning claim is confirmed (no TTL)')
  }
})

t.test('a claim left by a crash before the account was written is invisible and reclaimable', async (t) => {
  const prefix = `k${id().slice(0, 8)}:`
  const store = openStore(prefix)
  const username = `crashed-${id().toLowerCase()}`
  // What a process that died after step 1 (claim) leaves: a name key with a TTL and no account.
  await inspector.set(usernameKey(prefix, username), id(), 'PX', 300)
  t.equal(await store.findUserByUsername(username), null, 'the half-made account is not found')
  t.equal(await store.createUser(newUser(username)), 'taken', 'the claim holds while it lives')
  await new Promise((resolve) => setTimeout(resolve, 400))
  const user = newUser(username)
  t.equal(await store.createUser(user), 'created', 'reclaimable once the claim expired')
  t.same(await store.findUserByUsername(username), user)
})
