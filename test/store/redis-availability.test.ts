// Store outages and Redis restarts: with Redis killed or frozen every store call rejects
// with StoreUnavailableError within 2 s, the same store recovers by itself, a rotation sent into
// a frozen Redis changes nothing when Redis thaws, and scripts survive a restart or a flush.
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { Redis } from 'ioredis'
import { StoreUnavailableError } from '../../src/errors.js'
import { counterKey, revocationFeedKey, sessionKey, sessionKeyPrefix, userKey, usernameKey } from '../../src/store/redis-keys.js'
import { createRedisStore, scriptSource } from '../../src/store/redis-store.js'
import { packRotation } from '../../src/store/redis/rotation-argument.js'
import type { CreateSessionInput, RotateRefreshTokenInput } from '../../src/store/types.js'
import { startRedisServer } from '../../bench/lib/redis-server.js'

// appendfsync always: a SIGKILL must not lose the session the restart test refreshes afterwards.
const server = await startRedisServer({ config: { appendonly: 'yes', appendfsync: 'always' } })
t.teardown(async () => { await server.stop() })

const id = (): string => randomBytes(16).toString('base64url')
const prefix = `av${id()}:`
const store = createRedisStore({ url: server.url, prefix, commandTimeoutMs: 1000 })
t.teardown(async () => { await store.close() })
await store.ping()

// A separate connection that reports no outages of its own: ioredis logs unhandled errors.
function inspect (): Redis {
  const inspector = new Redis(server.url, { maxRetriesPerRequest: null })
  inspector.on('error', () => {})
  return inspector
}
const inspector = inspect()
t.teardown(() => { inspector.disconnect() })

function openInput (): CreateSessionInput {
  return { userId: id(), sessionId: id(), tokenHash: id(), now: Date.now(), idleTtlMs: 600_000, maxTtlMs: 3_600_000, ip: '203.0.113.5', userAgent: 'availability/1.0' }
}
function rotation (session: CreateSessionInput, successorHash = id()): RotateRefreshTokenInput {
  return { userId: session.userId, sessionId: session.sessionId, generation: 1, presentedHash: session.tokenHash, successorHash, successorBox: id() + id(), now: Date.now(), idleTtlMs: 600_000, graceMs: 10_000, ip: session.ip, userAgent: session.userAgent }
}

/** Every kind of call a route makes, each expected to give up within the contract's 2 s. */
function everyCall (session: CreateSessionInput): Record<string, () => Promise<unknown>> {
  return {
    ping: async () => { await store.ping() },
    createSession: async () => await store.createSession(openInput()),
    rotateRefreshToken: async () => await store.rotateRefreshToken(rotation(session)),
    listSessions: async () => await store.listSessions(session.userId, Date.now()),
    findSession: async () => await store.findSession(session.userId, session.sessionId, Date.now()),
    findUserByUsername: async () => await store.findUserByUsername('nobody'),
    incrementCounter: async () => await store.incrementCounter('ip:203.0.113.5', 60_000, Date.now()),
    readRevocations: async () => await store.readRevocations(null, Date.now()),
    waitForRevocations: async () => await store.waitForRevocations('0-0', 10_000, Date.now())
  }
}

async function assertUnavailable (t: Test, calls: Record<string, () => Promise<unknown>>, ceilingMs: number): Promise<void> {
  // All at once, as concurrent requests would be.
  await Promise.all(Object.entries(calls).map(async ([name, call]) => {
    const started = Date.now()
    const error = await call().then(() => null, (error: unknown) => error)
    const elapsed = Date.now() - started
    t.ok(error instanceof StoreUnavailableError, `${name} rejects with StoreUnavailableError`)
    t.ok(elapsed <= ceilingMs, `${name} gave up within ${ceilingMs} ms (${elapsed} ms)`)
  }))
}

async function untilAvailable (t: Test): Promise<void> {
  const started = Date.now()
  for (;;) {
    try {
      await store.ping()
      t.comment(`the store answered again ${Date.now() - started} ms after Redis came back`)
      return
    } catch {
      if (Date.now() - started > 10_000) throw new Error('the store did not recover within 10 s')
      await sleep(50)
    }
  }
}

async function staleReplies (): Promise<number> {
  const stats = await inspector.info('errorstats')
  return Number(/errorstat_ROTOR_STALE:count=(\d+)/.exec(stats)?.[1] ?? 0)
}

t.test('Redis killed: calls reject within 2 s; after a restart the same store recovers, sessions and scripts intact', async (t) => {
  const session = openInput()
  await store.createSession(session)
  await server.kill()
  await assertUnavailable(t, everyCall(session), 2000)
  await server.restart()
  await untilAvailable(t)
  const rotated = await store.rotateRefreshToken(rotation(session))
  t.equal(rotated.outcome, 'rotated', 'the session survived (AOF) and its token still works: scripts reloaded on the new connection')
})

t.test('Redis frozen (SIGSTOP): ping rejects within 1.5 s, every call within 2 s; recovers after SIGCONT', async (t) => {
  const session = openInput()
  await store.createSession(session)
  server.freeze()
  try {
    await assertUnavailable(t, { ping: async () => { await store.ping() } }, 1500)
    await assertUnavailable(t, everyCall(session), 2000)
    // Still frozen, after ioredis gave up on the connection and keeps reconnecting.
    await sleep(2500)
    await assertUnavailable(t, everyCall(session), 2000)
  } finally {
    server.thaw()
  }
  await untilAvailable(t)
  t.equal((await store.rotateRefreshToken(rotation(session))).outcome, 'rotated')
})

t.test('a rotation sent into a frozen Redis changes nothing when Redis thaws: the presented token stays current', async (t) => {
  const session = openInput()
  await store.createSession(session)
  const recordBefore = await inspector.getBuffer(sessionKey(prefix, session.userId, session.sessionId))
  const staleBefore = await staleReplies()
  server.freeze()
  try {
    const error = await store.rotateRefreshToken(rotation(session)).then(() => null, (error: unknown) => error)
    t.ok(error instanceof StoreUnavailableError, 'the client got StoreUnavailableError')
  } finally {
    server.thaw()
  }
  await untilAvailable(t)
  const stale = await staleReplies()
  t.ok(stale > staleBefore, `the queued script ran after thawing and answered ROTOR_STALE (${stale - staleBefore} time(s))`)
  const recordAfter = await inspector.getBuffer(sessionKey(prefix, session.userId, session.sessionId))
  t.ok(recordBefore !== null && recordAfter?.equals(recordBefore), 'the session record is byte for byte untouched')
  t.equal((await store.rotateRefreshToken(rotation(session))).outcome, 'rotated', 'the token the client held still works')
})

t.test('after SCRIPT FLUSH every operation still works (NOSCRIPT, then EVAL)', async (t) => {
  const session = openInput()
  await store.createSession(session)
  await inspector.script('FLUSH')
  t.equal((await store.rotateRefreshToken(rotation(session))).outcome, 'rotated')
  await inspector.script('FLUSH')
  t.equal((await store.listSessions(session.userId, Date.now())).length, 1)
})

t.test('every mutating script changes nothing once its deadline has passed', async (t) => {
  const session = openInput()
  await store.createSession(session)
  const user = { id: session.userId, username: `av-${id().toLowerCase()}`, passwordHash: '$argon2id$old', createdAt: Date.now() }
  t.equal(await store.createUser(user), 'created')
  await store.incrementCounter('av', 60_000, Date.now())
  const { userId, sessionId } = session
  const feedKey = revocationFeedKey(prefix)
  const revocationArgs = ['feed', 905, 60_000]
  const now = Date.now()
  const past = String(Date.now() - 1)
  const nameKey = usernameKey(prefix, user.username)
  await inspector.set(nameKey, 'someone-else-claimed-it', 'PX', 30_000)

  const snapshot = async (): Promise<unknown> => await Promise.all([
    inspector.getBuffer(sessionKey(prefix, userId, sessionId)), inspector.pexpiretime(sessionKey(prefix, userId, sessionId)),
    inspector.hgetall(userKey(prefix, userId)), inspector.get(nameKey), inspector.pttl(nameKey).then((ttl) => ttl > 0),
    inspector.get(counterKey(prefix, 'av')), inspector.exists(sessionKey(prefix, userId, 'new-session')), inspector.exists(feedKey)
  ])
  const before = await snapshot()
  const calls: Record<string, Array<string | number | Buffer>> = {
    'create-session': [3, sessionKey(prefix, userId, 'new-session'), userKey(prefix, userId), sessionKeyPrefix(prefix, userId), 'new-session', id(), now, 600_000, 3_600_000, 'ip', 'ua', past],
    'rotate-refresh-token': [4, sessionKey(prefix, userId, sessionId), userKey(prefix, userId), feedKey, counterKey(prefix, 'av'),
      packRotation({ ...rotation(session), now, counter: { key: 'av', windowMs: 60_000, max: 100 } }, ['feed', 905, 60_000], Number(past))],
    'end-session': [3, sessionKey(prefix, userId, sessionId), userKey(prefix, userId), feedKey, userId, sessionId, 'logout', now, ...revocationArgs, past],
    'end-all-sessions': [3, userKey(prefix, userId), sessionKeyPrefix(prefix, userId), feedKey, userId, now, ...revocationArgs, past],
    'change-password': [3, userKey(prefix, userId), sessionKeyPrefix(prefix, userId), feedKey, userId, user.passwordHash, '$argon2id$new', '', now, ...revocationArgs, past],
    'confirm-username': [1, nameKey, 'someone-else-claimed-it', past],
    'increment-counter': [1, counterKey(prefix, 'av'), 60_000, now, past]
  }
  for (const [script, args] of Object.entries(calls)) {
    await t.rejects(inspector.eval(scriptSource(script), ...(args as [number, ...Array<string | Buffer>])), /^ROTOR_STALE/, `${script} answers ROTOR_STALE`)
  }
  t.same(await snapshot(), before, 'nothing changed')
})

t.test('close() returns promptly while Redis is down, ending a wait for revocations', async (t) => {
  const other = createRedisStore({ url: server.url, prefix, commandTimeoutMs: 1000 })
  const { cursor } = await other.readRevocations(null, Date.now())
  // The blocking read holds a connection of its own, which close() must drop too.
  const waiting = other.waitForRevocations(cursor, 30_000, Date.now()).then(() => 'answered', () => 'rejected')
  await sleep(100)
  await server.kill()
  const started = Date.now()
  await other.close()
  t.ok(Date.now() - started <= 2000, 'closed within 2 s')
  t.ok(['answered', 'rejected'].includes(await waiting), 'the wait settled')
  t.ok(Date.now() - started <= 2000, 'at once')
  await server.restart()
  await untilAvailable(t)
})
