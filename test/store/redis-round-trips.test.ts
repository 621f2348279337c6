// Round trips: every session operation is one Lua script, so one command on the wire;
// so is every call that ends sessions, revocations included (they go into the feed in the same
// script), a login's session with the evictions SESSIONS_PER_USER_MAX calls for, and a page of the
// revocation feed.
// Counted with MONITOR on this test's own redis-server (commands a script runs show as "lua" and
// are left out): a regression that adds a command (a second script, a stray GET, a pipeline)
// changes the count and fails.
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { Redis } from 'ioredis'
import { createRedisStore } from '../../src/store/redis-store.js'
import type { AuthStore } from '../../src/store/types.js'
import { buildTestApp, loginBody, register, userWithSession } from '../helpers/app.js'
import { browserLogin, newDevice } from '../helpers/device-logins.js'
import { startRoundTripProxy, type RoundTripProxy } from '../helpers/round-trip-proxy.js'
import { startRedisServer } from '../../bench/lib/redis-server.js'

const server = await startRedisServer()
t.teardown(async () => { await server.stop() })
const inspector = new Redis(server.url)
t.teardown(() => { inspector.disconnect() })
const monitor = await inspector.monitor()
t.teardown(() => { monitor.disconnect() })

const id = (): string => randomBytes(16).toString('base64url')
const IDLE_MS = 60_000
const MAX_MS = 600_000

const seen: Array<{ name: string, arg: string, source: string }> = []
monitor.on('monitor', (_time: string, args: string[], source: string) => {
  seen.push({ name: String(args[0]).toLowerCase(), arg: String(args[1]), source })
})

// Redis runs commands in order and feeds MONITOR in that order: once a marker sent after the
// operation shows up, every command of the operation has been seen.
async function settle (): Promise<void> {
  const marker = `marker-${id()}`
  await inspector.echo(marker)
  while (!seen.some((entry) => entry.name === 'echo' && entry.arg === marker)) await sleep(2)
}

/** The commands clients sent while `operation` ran, by name (not those its scripts ran). */
async function commandsOf (operation: () => Promise<unknown>): Promise<Record<string, number>> {
  await settle()
  seen.length = 0
  await operation()
  await settle()
  const sent: Record<string, number> = {}
  for (const { name, source } of seen) {
    if (source !== 'lua' && name !== 'echo') sent[name] = (sent[name] ?? 0) + 1
  }
  return sent
}

async function openStore (): Promise<AuthStore> {
  const store = createRedisStore({ url: server.url, prefix: `rt${id()}:` })
  t.teardown(async () => { await store.close() })
  await store.ping()
  return store
}

/** A store whose connection runs through a proxy that counts round trips (the waits, not the commands). */
async function storeBehindProxy (t: Test): Promise<{ proxy: RoundTripProxy, store: AuthStore }> {
  const proxy = await startRoundTripProxy(server.port)
  t.teardown(async () => { await proxy.close() })
  const store = createRedisStore({ url: proxy.url, prefix: `rt${id()}:` })
  t.teardown(async () => { await store.close() })
  await store.ping()
  return { proxy, store }
}

function sessionInput (userId: string, tokenHash = id()): Parameters<AuthStore['createSession']>[0] {
  return { userId, sessionId: id(), tokenHash, now: Date.now(), idleTtlMs: IDLE_MS, maxTtlMs: MAX_MS, ip: '203.0.113.9', userAgent: 'round-trips/1.0 '.repeat(10) }
}

type Rotation = Parameters<AuthStore['rotateRefreshToken']>[0]
function rotation (first: Parameters<AuthStore['createSession']>[0], graceMs: number): Rotation {
  return { userId: first.userId, sessionId: first.sessionId, generation: 1, presentedHash: first.tokenHash, successorHash: id(), successorBox: id() + id(), now: Date.now(), idleTtlMs: IDLE_MS, graceMs, ip: first.ip, userAgent: first.userAgent }
}

/** Each entry sets up what its operation needs, then hands back the operation to count. */
const operations: Record<string, (store: AuthStore) => Promise<() => Promise<unknown>>> = {
  createSession: async (store) => async () => await store.createSession(sessionInput(id())),
  'createSession (at SESSIONS_PER_USER_MAX: evicts two, revocations included)': async (store) => {
    const userId = id()
    for (let i = 0; i < 4; i++) await store.createSession(sessionInput(userId))
    return async () => {
      const { evictedSessionIds } = await store.createSession({ ...sessionInput(userId), maxSessionsPerUser: 3 })
      if (evictedSessionIds.length !== 2) throw new Error(`expected 2 evictions, got ${evictedSessionIds.length}`)
    }
  },
  'rotateRefreshToken (rotated)': async (store) => {
    const first = sessionInput(id())
    await store.createSession(first)
    return async () => await store.rotateRefreshToken(rotation(first, 10_000))
  },
  'rotateRefreshToken (grace)': async (store) => {
    const first = sessionInput(id())
    await store.createSession(first)
    await store.rotateRefreshToken(rotation(first, 10_000))
    return async () => await store.rotateRefreshToken(rotation(first, 10_000))
  },
  'rotateRefreshToken (rotated, per-IP limit counted in the same script)': async (store) => {
    const first = sessionInput(id())
    await store.createSession(first)
    return async () => await store.rotateRefreshToken({ ...rotation(first, 10_000), counter: { key: `ip:${id()}`, windowMs: 60_000, max: 10 } })
  },
  'rotateRefreshToken (limited)': async (store) => {
    const first = sessionInput(id())
    await store.createSession(first)
    return async () => await store.rotateRefreshToken({ ...rotation(first, 10_000), counter: { key: `ip:${id()}`, windowMs: 60_000, max: 0 } })
  },
  'rotateRefreshToken (reused)': async (store) => {
    const first = sessionInput(id())
    await store.createSession(first)
    await store.rotateRefreshToken(rotation(first, 0))
    return async () => await store.rotateRefreshToken(rotation(first, 0))
  },
  endSession: async (store) => {
    const first = sessionInput(id())
    await store.createSession(first)
    return async () => await store.endSession(first.userId, first.sessionId, 'logout', Date.now())
  },
  endAllSessions: async (store) => {
    const userId = id()
    for (let i = 0; i < 3; i++) await store.createSession(sessionInput(userId))
    return async () => await store.endAllSessions(userId, Date.now())
  },
  listSessions: async (store) => {
    const userId = id()
    for (let i = 0; i < 3; i++) await store.createSession(sessionInput(userId))
    return async () => await store.listSessions(userId, Date.now())
  },
  changePassword: async (store) => {
    const user = { id: id(), username: `rt-${id().toLowerCase()}`, passwordHash: '$argon2id$old', createdAt: Date.now() }
    await store.createUser(user)
    const kept = sessionInput(user.id)
    await store.createSession(kept)
    await store.createSession(sessionInput(user.id))
    return async () => await store.changePassword({ userId: user.id, previousPasswordHash: user.passwordHash, passwordHash: '$argon2id$new', keepSessionId: kept.sessionId, now: Date.now() })
  },
  findSession: async (store) => {
    const first = sessionInput(id())
    await store.createSession(first)
    return async () => await store.findSession(first.userId, first.sessionId, Date.now())
  },
  incrementCounter: async (store) => async () => await store.incrementCounter(`ip:${id()}`, 60_000, Date.now()),
  readCounter: async (store) => async () => await store.readCounter(`ip:${id()}`, Date.now()),
  'readRevocations (from the start)': async (store) => async () => await store.readRevocations(null, Date.now()),
  'readRevocations (after a cursor)': async (store) => {
    const first = sessionInput(id())
    await store.createSession(first)
    await store.endSession(first.userId, first.sessionId, 'logout', Date.now())
    const { cursor } = await store.readRevocations(null, Date.now())
    return async () => await store.readRevocations(cursor, Date.now())
  },
  releaseCounterHit: async (store) => {
    const key = `ip:${id()}`
    await store.incrementCounter(key, 60_000, Date.now())
    return async () => { await store.releaseCounterHit(key) }
  }
}

t.test('each operation is exactly one EVALSHA once its script is known on the connection', async (t) => {
  const store = await openStore()
  for (const [name, setup] of Object.entries(operations)) {
    // ioredis sends a script's first run on a connection as EVAL (with its body), later ones as EVALSHA.
    await (await setup(store))()
    const operation = await setup(store)
    const sent = await commandsOf(operation)
    t.same(sent, { evalsha: 1 }, name)
    t.comment(`${name}: ${JSON.stringify(sent)}`)
  }
})

t.test('POST /auth/refresh, per-IP limit included, is one round trip', async (t) => {
  const store = await openStore()
  const app = await buildTestApp(t, {}, { store })
  const user = await userWithSession(app)
  let refreshToken = user.refreshToken
  const refresh = async (): Promise<void> => {
    const answer = await app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken } })
    t.equal(answer.statusCode, 200)
    refreshToken = (answer.json() as { refreshToken: string }).refreshToken
  }
  await refresh()
  t.same(await commandsOf(refresh), { evalsha: 1 }, 'rotation and the per-IP count in one script')
  t.same(await commandsOf(async () => await app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: 'rt_not-a-token' } })),
    { evalsha: 1 }, 'a token refused before the store is still counted, in one script')
})

t.test('the first run of a script on a fresh connection is still one command (EVAL)', async (t) => {
  const store = await openStore()
  const sent = await commandsOf(async () => await store.createSession(sessionInput(id())))
  t.same(sent, { eval: 1 })
})

t.test('after the script cache is flushed, a script costs one extra round trip once (NOSCRIPT, then EVAL)', async (t) => {
  const store = await openStore()
  await store.readCounter('warm', Date.now())
  await inspector.script('FLUSH')
  t.same(await commandsOf(async () => await store.readCounter('warm', Date.now())), { evalsha: 1, eval: 1 })
  t.same(await commandsOf(async () => await store.readCounter('warm', Date.now())), { evalsha: 1 })
})

t.test('account operations span slots on purpose: createUser 3 commands, lookups 1 or 2', async (t) => {
  const store = await openStore()
  const user = { id: id(), username: `rt-${id().toLowerCase()}`, passwordHash: '$argon2id$x', createdAt: Date.now() }
  await store.createUser({ ...user, id: id(), username: `warm-${id().toLowerCase()}` })
  t.same(await commandsOf(async () => await store.createUser(user)), { set: 1, hset: 1, evalsha: 1 }, 'createUser: claim, account, confirm')
  t.same(await commandsOf(async () => await store.createUser({ ...user, id: id() })), { set: 1 }, 'a taken name costs one command')
  t.same(await commandsOf(async () => await store.findUserByUsername(user.username)), { get: 1, hmget: 1 }, 'findUserByUsername')
  t.same(await commandsOf(async () => await store.findUserById(user.id)), { hmget: 1 }, 'findUserById')
  t.same(await commandsOf(async () => await store.deleteCounter('x')), { del: 1 }, 'deleteCounter')
})

t.test('POST /auth/login waits on Redis three times, a wrong password twice, a refresh once', async (t) => {
  const { proxy, store } = await storeBehindProxy(t)
  const app = await buildTestApp(t, {}, { store })
  const { username, password } = await userWithSession(app)
  await register(app, 'round-trips-warm', password)
  const roundTripsOf = async (operation: () => Promise<{ statusCode: number }>, status: number): Promise<number> => {
    proxy.reset()
    t.equal((await operation()).statusCode, status)
    return proxy.count()
  }
  // Per-IP count, failure count and name lookup together; the account; the session and the give-back together.
  t.equal(await roundTripsOf(async () => await loginBody(app, username, password), 200), 3, 'a login')
  t.equal(await roundTripsOf(async () => await loginBody(app, username, 'wrong password!'), 401), 2, 'a wrong password (the attempt stays counted)')
  t.equal(await roundTripsOf(async () => await loginBody(app, 'nobody-here', password), 401), 1, 'an unknown name (no account to read)')
  const { refreshToken } = await userWithSession(app)
  t.equal(await roundTripsOf(async () => await app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken } }), 200), 1, 'a refresh')
})

t.test('a login from a known device waits on Redis as often as any other: three times, twice when wrong', async (t) => {
  const { proxy, store } = await storeBehindProxy(t)
  const app = await buildTestApp(t, {}, { store })
  const { username, password } = await userWithSession(app)
  const device = await newDevice(app, username, password)
  const roundTripsOf = async (attempt: string, status: number): Promise<number> => {
    proxy.reset()
    t.equal((await browserLogin(app, username, attempt, device)).statusCode, status)
    return proxy.count()
  }
  t.equal(await roundTripsOf(password, 200), 3, 'a login (the device counted instead of the name)')
  t.equal(await roundTripsOf('wrong password!', 401), 2, 'a wrong password')
})

t.test('a login that evicts a session (SESSIONS_PER_USER_MAX) still waits on Redis three times', async (t) => {
  const { proxy, store } = await storeBehindProxy(t)
  // The revocation follower's blocking read would wake on the eviction and wait again: a round trip
  // of the follower's, not the login's. Its waits answer nothing here.
  let releaseWaits: () => void = () => {}
  const released = new Promise<void>((resolve) => { releaseWaits = resolve })
  t.teardown(() => { releaseWaits() })
  const quietFeed: AuthStore = Object.assign(Object.create(store) as AuthStore, {
    waitForRevocations: async (after: string) => { await released; return { revocations: [], cursor: after, reset: false } }
  })
  const app = await buildTestApp(t, { SESSIONS_PER_USER_MAX: '1' }, { store: quietFeed })
  const { username, password } = await userWithSession(app)
  proxy.reset()
  const answer = await loginBody(app, username, password)
  t.equal(answer.statusCode, 200)
  t.equal(proxy.count(), 3, 'per-IP count, failure count and lookup; the account; the session, its eviction and the give-back')
  t.equal((await store.readRevocations(null, Date.now())).revocations.filter((revocation) => revocation.reason === 'evicted').length, 1, 'it did evict')
})
