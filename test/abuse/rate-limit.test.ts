// RATE_LIMIT_PER_MINUTE per client IP on each /auth/* route (docs/http-api.md): the request after the
// limit gets 429 AUTH_RATE_LIMITED with Retry-After, each route has its own bucket, routes outside
// /auth are not limited, instances on one Redis share the count, and X-Forwarded-For only names the
// client when TRUST_PROXY says a proxy sets it.
import t, { type Test } from 'tap'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { buildTestApp, fileRedisServer, forEachStore, userWithSession } from '../helpers/app.js'
import { createRedisStore } from '../../src/store/redis-store.js'
import { createMemoryStore } from '../../src/store/memory-store.js'
import { StoreUnavailableError } from '../../src/errors.js'
import type { AuthStore } from '../../src/store/types.js'

const LIMIT = 3

/** Every /auth route, with a request that reaches it (most are refused later: they still count). */
const AUTH_ROUTES: InjectOptions[] = [
  { method: 'POST', url: '/auth/register', payload: { username: 'x', password: 'y' } },
  { method: 'POST', url: '/auth/login', payload: { username: 'x', password: 'y' } },
  { method: 'POST', url: '/auth/refresh', payload: { refreshToken: 'not-a-token' } },
  { method: 'POST', url: '/auth/logout', payload: { refreshToken: 'not-a-token' } },
  { method: 'POST', url: '/auth/logout-all' },
  { method: 'GET', url: '/auth/sessions' },
  { method: 'DELETE', url: '/auth/sessions/some-id' },
  { method: 'POST', url: '/auth/password', payload: { currentPassword: 'x', newPassword: 'y' } }
]

function from (ip: string, request: InjectOptions, headers: Record<string, string> = {}): InjectOptions {
  return { ...request, remoteAddress: ip, headers: { ...request.headers as Record<string, string>, ...headers } }
}

async function exhaust (app: FastifyInstance, request: InjectOptions, times = LIMIT): Promise<number[]> {
  const statuses: number[] = []
  for (let i = 0; i < times; i++) statuses.push((await app.inject(request)).statusCode)
  return statuses
}

function assertRateLimited (t: Test, response: Awaited<ReturnType<FastifyInstance['inject']>>, what: string): void {
  t.equal(response.statusCode, 429, `${what}: 429`)
  t.same(response.json(), {
    statusCode: 429, code: 'AUTH_RATE_LIMITED', error: 'Too Many Requests', message: response.json().message
  }, `${what}: the contract's body`)
  const retryAfter = Number(response.headers['retry-after'])
  t.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `${what}: Retry-After ${String(response.headers['retry-after'])} is 1..60 s`)
}

forEachStore(t, async (t, kind) => {
  t.test('each /auth route: the request after the limit is 429, other IPs and routes unaffected', async (t) => {
    const app = await buildTestApp(t, { RATE_LIMIT_PER_MINUTE: String(LIMIT) }, { store: await kind.create(t) })
    for (const route of AUTH_ROUTES) {
      const what = `${String(route.method)} ${String(route.url)}`
      const statuses = await exhaust(app, from('203.0.113.1', route))
      t.notOk(statuses.includes(429), `${what}: ${LIMIT} requests pass (${statuses.join(',')})`)
      assertRateLimited(t, await app.inject(from('203.0.113.1', route)), what)
      t.not((await app.inject(from('203.0.113.2', route))).statusCode, 429, `${what}: another IP still passes`)
    }
    // All eight buckets of 203.0.113.1 are full now; a route outside /auth is not limited at all.
    const health = await exhaust(app, from('203.0.113.1', { method: 'GET', url: '/health' }), LIMIT * 3)
    t.same(new Set(health), new Set([200]), '/health is not rate limited')
  })

  t.test('a 429 comes before validation, authentication and hashing', async (t) => {
    const app = await buildTestApp(t, { RATE_LIMIT_PER_MINUTE: '1' }, { store: await kind.create(t) })
    const register = { method: 'POST' as const, url: '/auth/register', payload: { username: 'first-user', password: 'correct horse battery' } }
    t.equal((await app.inject(from('198.51.100.7', register))).statusCode, 201)
    // A well-formed second registration would cost an argon2 hash: it is refused first.
    const second = await app.inject(from('198.51.100.7', { ...register, payload: { username: 'second-user', password: 'correct horse battery' } }))
    assertRateLimited(t, second, 'register')
    t.equal((await app.inject(from('198.51.100.8', { method: 'POST', url: '/auth/login', payload: { username: 'second-user', password: 'correct horse battery' } }))).statusCode,
      401, 'second-user was never registered')
    // A request without an access token is counted before authentication could refuse it.
    await app.inject(from('198.51.100.9', { method: 'GET', url: '/auth/sessions' }))
    assertRateLimited(t, await app.inject(from('198.51.100.9', { method: 'GET', url: '/auth/sessions' })), 'sessions without a token')
  })

  t.test('IPv6 clients are counted per /64, an IPv4-mapped address as its IPv4 address', async (t) => {
    const app = await buildTestApp(t, { RATE_LIMIT_PER_MINUTE: String(LIMIT) }, { store: await kind.create(t) })
    // One route counted by a hook, one counted in the route (the rotation takes the count).
    for (const route of [AUTH_ROUTES[0], AUTH_ROUTES[2]] as InjectOptions[]) {
      const what = `${String(route.method)} ${String(route.url)}`
      for (let i = 1; i <= LIMIT; i++) await app.inject(from(`2001:db8:aa:bb::${i}`, route))
      assertRateLimited(t, await app.inject(from('2001:DB8:AA:BB:FFFF::9', route)), `${what}: another address of the same /64`)
      t.not((await app.inject(from('2001:db8:aa:bc::1', route))).statusCode, 429, `${what}: the next /64 has its own bucket`)
      await exhaust(app, from('198.51.100.44', route))
      assertRateLimited(t, await app.inject(from('::ffff:198.51.100.44', route)), `${what}: ::ffff:198.51.100.44 is 198.51.100.44`)
    }
  })

  t.test('X-Forwarded-For is ignored without TRUST_PROXY', async (t) => {
    const app = await buildTestApp(t, { RATE_LIMIT_PER_MINUTE: String(LIMIT) }, { store: await kind.create(t) })
    const route = AUTH_ROUTES[1] as InjectOptions
    for (let i = 0; i < LIMIT; i++) await app.inject(from('192.0.2.10', route, { 'x-forwarded-for': `10.0.0.${i}` }))
    assertRateLimited(t, await app.inject(from('192.0.2.10', route, { 'x-forwarded-for': '10.0.0.99' })), 'a fresh X-Forwarded-For')
  })

  t.test('with TRUST_PROXY, X-Forwarded-For names the client', async (t) => {
    const app = await buildTestApp(t, { RATE_LIMIT_PER_MINUTE: String(LIMIT), TRUST_PROXY: '127.0.0.1' }, { store: await kind.create(t) })
    const route = AUTH_ROUTES[1] as InjectOptions
    await exhaust(app, from('127.0.0.1', route, { 'x-forwarded-for': '10.1.1.1' }))
    assertRateLimited(t, await app.inject(from('127.0.0.1', route, { 'x-forwarded-for': '10.1.1.1' })), 'the same forwarded client')
    t.not((await app.inject(from('127.0.0.1', route, { 'x-forwarded-for': '10.1.1.2' }))).statusCode, 429, 'another forwarded client has its own bucket')
    // Only the trusted proxy may speak for a client: a direct caller's header is ignored.
    await exhaust(app, from('192.0.2.20', route, { 'x-forwarded-for': '10.2.2.1' }))
    assertRateLimited(t, await app.inject(from('192.0.2.20', route, { 'x-forwarded-for': '10.2.2.2' })), 'an untrusted peer changing X-Forwarded-For')
  })
})

t.test('two instances on one Redis share the count', async (t) => {
  const server = await fileRedisServer(t)
  const prefix = `rate-shared-${process.pid}:`
  const stores = [createRedisStore({ url: server.url, prefix }), createRedisStore({ url: server.url, prefix })]
  t.teardown(async () => { await Promise.all(stores.map(async (store) => { await store.close() })) })
  const [a, b] = await Promise.all(stores.map(async (store) => await buildTestApp(t, { RATE_LIMIT_PER_MINUTE: '4' }, { store })))
  const route = from('203.0.113.50', AUTH_ROUTES[2] as InjectOptions)
  for (const app of [a, b, a, b] as FastifyInstance[]) t.not((await app.inject(route)).statusCode, 429)
  assertRateLimited(t, await (a as FastifyInstance).inject(route), 'instance A after 2 + 2')
  assertRateLimited(t, await (b as FastifyInstance).inject(route), 'instance B after 2 + 2')
})

t.test('a store that cannot count answers 503 AUTH_STORE_UNAVAILABLE, never a 500 or a free pass', async (t) => {
  const memory = createMemoryStore()
  t.teardown(async () => { await memory.close() })
  const broken: AuthStore = { ...memory, incrementCounter: async () => { throw new StoreUnavailableError() } }
  const app = await buildTestApp(t, {}, { store: broken })
  const response = await app.inject(from('203.0.113.60', AUTH_ROUTES[1] as InjectOptions))
  t.equal(response.statusCode, 503)
  t.equal(response.json().code, 'AUTH_STORE_UNAVAILABLE')
  t.equal(response.headers['retry-after'], '1')
})

// POST /auth/refresh counts inside its rotation (one round trip); every request still counts once.
forEachStore(t, async (t, kind) => {
  t.test('refresh: the count is taken with the rotation, a limited refresh spends nothing, refused bodies count too', async (t) => {
    const app = await buildTestApp(t, { RATE_LIMIT_PER_MINUTE: String(LIMIT) }, { store: await kind.create(t) })
    const user = await userWithSession(app)
    const refresh = (ip: string, payload: unknown): InjectOptions => from(ip, { method: 'POST', url: '/auth/refresh', payload: payload as Record<string, unknown> })
    let token = user.refreshToken
    for (let i = 0; i < LIMIT; i++) {
      const answer = await app.inject(refresh('198.51.100.30', { refreshToken: token }))
      t.equal(answer.statusCode, 200, `refresh ${i + 1} of ${LIMIT}`)
      t.equal(answer.headers['x-ratelimit-remaining'], String(LIMIT - i - 1), 'the remaining count, as on the other /auth routes')
      token = (answer.json() as { refreshToken: string }).refreshToken
    }
    assertRateLimited(t, await app.inject(refresh('198.51.100.30', { refreshToken: token })), 'a valid refresh past the limit')
    t.equal((await app.inject(refresh('198.51.100.31', { refreshToken: token }))).statusCode, 200, 'the limited request spent nothing: the token still rotates')

    for (const [what, payload] of [['a body failing its schema', { refreshToken: 42 }], ['a token failing its MAC', { refreshToken: 'rt_forged' }]] as const) {
      const ip = what === 'a token failing its MAC' ? '198.51.100.32' : '198.51.100.33'
      const statuses = await exhaust(app, refresh(ip, payload))
      t.notOk(statuses.includes(429), `${what}: ${LIMIT} requests answered (${statuses.join(',')})`)
      assertRateLimited(t, await app.inject(refresh(ip, payload)), `${what}, counted all the same`)
    }
  })
})
