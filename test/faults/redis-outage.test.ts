// A store outage, through HTTP: with the test's own Redis killed or frozen (SIGSTOP), every
// stateful route answers 503 AUTH_STORE_UNAVAILABLE within 2 s (a ceiling, not a benchmark),
// /ready is 503, /health and routes that need no store keep answering; when Redis is back the same
// server recovers by itself and the refresh token a client held through the outage still works.
// Grace replay is off here, so "still works" cannot come from the grace window: had the outage
// spent the held token, presenting it again would be reuse (401).
import t, { type Test } from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { Redis } from 'ioredis'
import { buildTestApp, userWithSession } from '../helpers/app.js'
import { startRedisServer } from '../../bench/lib/redis-server.js'
import { createRedisStore } from '../../src/store/redis-store.js'
import type { AuthStore } from '../../src/store/types.js'

const CEILING_MS = 2000

// AOF with fsync on every write: a SIGKILLed Redis comes back with every acknowledged session.
const redis = await startRedisServer({ config: { appendonly: 'yes', appendfsync: 'always' } })
t.teardown(async () => { await redis.stop() })

const real = createRedisStore({ url: redis.url, prefix: `outage${process.pid}:` })
t.teardown(async () => { await real.close() })
// Fault injection for the mid-rotation case: freeze Redis after the request has passed the rate
// limiter, just before its rotation script is sent. Everything else is the real store.
let freezeOnNextRotation = false
const store: AuthStore = {
  ...real,
  async rotateRefreshToken (input) {
    if (freezeOnNextRotation) {
      freezeOnNextRotation = false
      redis.freeze()
    }
    return await real.rotateRefreshToken(input)
  }
}
const app = await buildTestApp(t, { RATE_LIMIT_PER_MINUTE: '100000', REFRESH_REUSE_GRACE: '0' }, { store })

const inspector = new Redis(redis.url, { maxRetriesPerRequest: null, lazyConnect: true })
inspector.on('error', () => {})
t.teardown(() => { inspector.disconnect() })

const observed: number[] = []
type Client = Awaited<ReturnType<typeof userWithSession>>
const bearer = (client: Client) => ({ authorization: `Bearer ${client.accessToken}` })

/** Every stateful route; `holder` presents its refresh token, `other` is the one whose session could end. */
function statefulRequests (holder: Client, other: Client): Record<string, InjectOptions> {
  return {
    register: { method: 'POST', url: '/auth/register', payload: { username: `new${Date.now()}`, password: 'correct horse battery' } },
    login: { method: 'POST', url: '/auth/login', headers: { 'x-token-transport': 'body' }, payload: { username: holder.username, password: holder.password } },
    refresh: { method: 'POST', url: '/auth/refresh', payload: { refreshToken: holder.refreshToken } },
    logout: { method: 'POST', url: '/auth/logout', payload: { refreshToken: other.refreshToken } },
    'logout-all': { method: 'POST', url: '/auth/logout-all', headers: bearer(other) },
    sessions: { method: 'GET', url: '/auth/sessions', headers: bearer(holder) },
    'delete session': { method: 'DELETE', url: '/auth/sessions/not-a-session', headers: bearer(other) },
    password: { method: 'POST', url: '/auth/password', headers: bearer(other), payload: { currentPassword: other.password, newPassword: 'another fine password' } },
    ready: { method: 'GET', url: '/ready' }
  }
}

async function timed (request: InjectOptions) {
  const started = performance.now()
  const response = await app.inject(request)
  const elapsed = Math.round(performance.now() - started)
  return { response, elapsed }
}

async function assertOutageAnswers (t: Test, holder: Client, other: Client, when: string): Promise<void> {
  // All at once, as concurrent clients would send them.
  await Promise.all(Object.entries(statefulRequests(holder, other)).map(async ([name, request]) => {
    const { response, elapsed } = await timed(request)
    observed.push(elapsed)
    t.equal(response.statusCode, 503, `${when}: ${name} is 503 (${response.body})`)
    t.equal(response.json().code, 'AUTH_STORE_UNAVAILABLE', `${when}: ${name} code`)
    t.ok(elapsed <= CEILING_MS, `${when}: ${name} answered within ${CEILING_MS} ms (${elapsed} ms)`)
  }))
  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200, `${when}: /health is 200`)
  t.equal((await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).statusCode, 200, `${when}: the JWKS needs no store`)
  const me = await timed({ method: 'GET', url: '/api/me', headers: bearer(holder) })
  t.equal(me.response.statusCode, 200, `${when}: /api/me with a valid access token needs no store once it knows the user (${me.response.body})`)
}

async function untilReady (t: Test): Promise<void> {
  const started = Date.now()
  while ((await app.inject({ method: 'GET', url: '/ready' })).statusCode !== 200) {
    if (Date.now() - started > 15_000) throw new Error('the server did not recover within 15 s')
    await sleep(50)
  }
  t.comment(`ready again ${Date.now() - started} ms after Redis came back`)
}

async function assertHeldTokenWorks (t: Test, app: FastifyInstance, holder: Client): Promise<void> {
  const refreshed = await app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: holder.refreshToken } })
  t.equal(refreshed.statusCode, 200, `the refresh token held through the outage still works (${refreshed.body})`)
}

async function staleReplies (): Promise<number> {
  const stats = await inspector.info('errorstats')
  return Number(/errorstat_ROTOR_STALE:count=(\d+)/.exec(stats)?.[1] ?? 0)
}

t.test('Redis killed, then restarted on the same port and data directory', async (t) => {
  const holder = await userWithSession(app)
  const other = await userWithSession(app)
  t.equal((await app.inject({ method: 'GET', url: '/api/me', headers: bearer(holder) })).statusCode, 200)
  await redis.kill()
  await assertOutageAnswers(t, holder, other, 'just killed')
  // Long enough for ioredis to be deep in its reconnect loop.
  await sleep(2500)
  await assertOutageAnswers(t, holder, other, 'down for seconds')
  await redis.restart()
  await untilReady(t)
  await assertHeldTokenWorks(t, app, holder)
  t.equal((await app.inject(statefulRequests(holder, other).login as InjectOptions)).statusCode, 200, 'logins work again')
})

t.test('Redis frozen (SIGSTOP), then thawed', async (t) => {
  const holder = await userWithSession(app)
  const other = await userWithSession(app)
  t.equal((await app.inject({ method: 'GET', url: '/api/me', headers: bearer(holder) })).statusCode, 200)
  redis.freeze()
  try {
    await assertOutageAnswers(t, holder, other, 'just frozen')
    // Past the store's socket timeout: the client drops the silent connection and reconnects to a
    // server whose kernel still accepts connections nobody serves.
    await sleep(2500)
    await assertOutageAnswers(t, holder, other, 'frozen for seconds')
  } finally {
    redis.thaw()
  }
  await untilReady(t)
  await assertHeldTokenWorks(t, app, holder)
})

t.test('Redis frozen while a rotation is on its way: 503, and the held token is not spent later', async (t) => {
  const holder = await userWithSession(app)
  await inspector.connect().catch(() => {})
  const staleBefore = await staleReplies()
  freezeOnNextRotation = true
  let answer
  try {
    answer = await timed({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: holder.refreshToken } })
  } finally {
    redis.thaw()
  }
  observed.push(answer.elapsed)
  t.equal(answer.response.statusCode, 503)
  t.equal(answer.response.json().code, 'AUTH_STORE_UNAVAILABLE')
  t.ok(answer.elapsed <= CEILING_MS, `answered within ${CEILING_MS} ms (${answer.elapsed} ms)`)
  await untilReady(t)
  t.ok(await staleReplies() > staleBefore, 'the rotation reached Redis after it thawed and was refused as stale (ROTOR_STALE)')
  await assertHeldTokenWorks(t, app, holder)
})

t.teardown(() => {
  const sorted = [...observed].sort((a, b) => a - b)
  if (sorted.length > 0) {
    console.log(`# outage answers: ${sorted.length}, fastest ${sorted[0]} ms, median ${sorted[Math.floor(sorted.length / 2)]} ms, slowest ${sorted[sorted.length - 1]} ms`)
  }
})
