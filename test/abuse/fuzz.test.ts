// Bad input: a seeded, bounded property-based fuzz of every route's body, headers
// (authorization, cookie, x-token-transport, x-requested-with, content-type) and path. For every
// request: no 5xx, no crash, every error in the contract's shape {statusCode, code, error, message},
// and a rejected request (4xx) changes nothing in the store (every key but the rate counters, which
// count rejected requests on purpose). The cookie header includes duplicate refresh cookies (cookie
// tossing), which a property of their own checks are always refused. Then the sharp cases: oversized
// headers refused with 431 by a listening server, duplicate JSON keys and __proto__/constructor keys
// harmless. Lookalike usernames and slow bodies have fuzz files of their own (fuzz-*.test.ts).
import t from 'tap'
import { STATUS_CODES } from 'node:http'
import { connect } from 'node:net'
import fc from 'fast-check'
import type { LightMyRequestResponse } from 'fastify'
import { Redis } from 'ioredis'
import { buildTestApp, loginBody, register } from '../helpers/app.js'
import { startRedisServer } from '../../bench/lib/redis-server.js'
import {
  anyBody, credentialsBody, duplicateRefreshCookies, headersArbitrary, passwordBody, pathSegment, refreshBody, resolveRequest, respelled, type Fixture
} from '../helpers/fuzz-requests.js'
import { createRedisStore } from '../../src/store/redis-store.js'

const RUNS_PER_ROUTE = 300
const SEED = 20260505

const redis = await startRedisServer()
t.teardown(async () => { await redis.stop() })
const prefix = 'fuzz:'
const store = createRedisStore({ url: redis.url, prefix })
t.teardown(async () => { await store.close() })
const app = await buildTestApp(t, { RATE_LIMIT_PER_MINUTE: '10000000', LOGIN_MAX_FAILURES: '10000000' }, { store })
const inspector = new Redis(redis.url)
t.teardown(() => { inspector.disconnect() })

/** Every key but the counters, with its value (DUMP) and expiry: equal snapshots mean no state change. */
// What the store holds, logically: a hash's fields sorted, not DUMP bytes, whose field order follows
// Redis's incremental rehashing, which a mere lookup (HMGET) advances.
async function snapshot (): Promise<string> {
  const keys = (await inspector.keys(`${prefix}*`)).filter((key) => !key.startsWith(`${prefix}ctr:`)).sort()
  const types = await Promise.all(keys.map(async (key) => await inspector.type(key)))
  const pipeline = inspector.pipeline()
  for (const [i, key] of keys.entries()) {
    if (types[i] === 'hash') pipeline.hgetallBuffer(key)
    else pipeline.dumpBuffer(key)
    pipeline.pexpiretime(key)
  }
  const results = (await pipeline.exec()) ?? []
  return JSON.stringify(keys.map((key, i) => {
    const value = results[2 * i]?.[1] as Buffer | Record<string, Buffer> | null
    const shown = Buffer.isBuffer(value) || value === null
      ? value?.toString('hex')
      : Object.entries(value).map(([field, bytes]) => `${field}=${bytes.toString('hex')}`).sort()
    return [key, shown, results[2 * i + 1]?.[1]]
  }))
}

let fixtureCount = 0
async function newFixture (): Promise<Fixture> {
  const username = `fuzz-user-${++fixtureCount}`
  const password = 'correct horse battery'
  await register(app, username, password)
  const body = (await loginBody(app, username, password)).json() as { accessToken: string, refreshToken: string }
  const cookieLogin = await app.inject({ method: 'POST', url: '/auth/login', payload: { username, password } })
  const cookieToken = cookieLogin.cookies.find((cookie) => cookie.name === '__Secure-refresh_token')?.value ?? ''
  const claims = JSON.parse(Buffer.from(body.accessToken.split('.')[1] as string, 'base64url').toString()) as { sid: string }
  return { username, password, accessToken: body.accessToken, refreshToken: body.refreshToken, cookieToken, sessionId: claims.sid }
}
let fixture = await newFixture()

/** What is wrong with an answer, if anything (empty when it keeps the contract). */
function problemsWith (method: string, response: LightMyRequestResponse): string[] {
  const status = response.statusCode
  if (status >= 500) return [`${status}: ${response.body}`]
  if (status < 400 || method === 'HEAD') return []
  let body: Record<string, unknown>
  try {
    body = response.json()
  } catch {
    return [`${status} with a body that is not JSON: ${response.body.slice(0, 200)}`]
  }
  const problems: string[] = []
  if (JSON.stringify(Object.keys(body).sort()) !== '["code","error","message","statusCode"]') problems.push(`error body keys ${Object.keys(body).join(',')}`)
  if (body.statusCode !== status) problems.push(`statusCode ${String(body.statusCode)} in a ${status}`)
  if (typeof body.code !== 'string' || !/^[A-Z][A-Z0-9_]+$/.test(body.code)) problems.push(`code ${String(body.code)}`)
  if (body.error !== STATUS_CODES[status]) problems.push(`error ${String(body.error)}`)
  if (typeof body.message !== 'string') problems.push('message is not a string')
  return problems
}

interface RouteFuzz {
  name: string
  method: fc.Arbitrary<string>
  url: fc.Arbitrary<string>
  body: fc.Arbitrary<string | undefined>
}

const noBody = fc.constant(undefined)
const ROUTES: RouteFuzz[] = [
  { name: 'POST /auth/register', method: fc.constant('POST'), url: fc.constant('/auth/register'), body: credentialsBody },
  { name: 'POST /auth/login', method: fc.constant('POST'), url: fc.constant('/auth/login'), body: credentialsBody },
  { name: 'POST /auth/refresh', method: fc.constant('POST'), url: fc.constant('/auth/refresh'), body: refreshBody },
  { name: 'POST /auth/logout', method: fc.constant('POST'), url: fc.constant('/auth/logout'), body: refreshBody },
  { name: 'POST /auth/logout-all', method: fc.constant('POST'), url: fc.constant('/auth/logout-all'), body: anyBody },
  { name: 'GET /auth/sessions', method: fc.constant('GET'), url: fc.constant('/auth/sessions'), body: noBody },
  { name: 'DELETE /auth/sessions/:id', method: fc.constant('DELETE'), url: pathSegment.map((id) => `/auth/sessions/${id}`), body: anyBody },
  { name: 'POST /auth/password', method: fc.constant('POST'), url: fc.constant('/auth/password'), body: passwordBody },
  { name: 'GET /api/me', method: fc.constant('GET'), url: fc.constant('/api/me'), body: noBody },
  { name: 'GET /.well-known/jwks.json', method: fc.constant('GET'), url: fc.constant('/.well-known/jwks.json'), body: noBody },
  { name: 'GET /health and /ready', method: fc.constant('GET'), url: fc.constantFrom('/health', '/ready'), body: noBody },
  {
    name: 'any method on any path',
    method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
    url: fc.tuple(fc.constantFrom('/auth/', '/api/', '/', '/.well-known/'), fc.array(pathSegment, { minLength: 1, maxLength: 3 }), fc.option(fc.string({ maxLength: 30 })))
      .map(([root, segments, query]) => root + segments.join('/') + (query === null ? '' : `?${encodeURIComponent(query)}`)),
    body: anyBody
  }
]

let totalRuns = 0
let rejected = 0
const statuses = new Map<number, number>()

for (const [index, route] of ROUTES.entries()) {
  t.test(`fuzz ${route.name}: never 5xx, errors in the contract's shape, rejections change nothing`, async (t) => {
    let runs = 0
    const property = fc.asyncProperty(route.method, route.url, headersArbitrary, route.body, async (method, url, headers, body) => {
      runs++
      const request = resolveRequest({ method, url, headers, body }, fixture)
      const before = await snapshot()
      const response = await app.inject({ method: request.method as 'GET', url: request.url, headers: request.headers, payload: request.body })
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1)
      const problems = problemsWith(request.method, response)
      const changed = await snapshot() !== before
      if (response.statusCode >= 400) {
        rejected++
        if (changed) problems.push(`a rejected request (${response.statusCode} ${response.body}) changed the store`)
      } else if (changed) {
        // A success may end the fixture's sessions (logout, password change…): start afresh.
        fixture = await newFixture()
      }
      if (problems.length > 0) throw new Error(`${request.method} ${request.url}: ${problems.join('; ')}`)
    })
    try {
      // No shrinking: requests change the store, so a replayed shorter case would not mean the same.
      await fc.assert(property, { seed: SEED + index, numRuns: RUNS_PER_ROUTE, endOnFailure: true })
      t.pass(`${runs} requests kept the contract`)
    } catch (error) {
      t.fail((error as Error).message)
    }
    totalRuns += runs
  })
}

t.test('the fuzzed server is still healthy and Object.prototype is clean', async (t) => {
  t.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200)
  for (const name of ['admin', 'x', 'polluted']) t.equal((Object.prototype as Record<string, unknown>)[name], undefined, `no ${name} on Object.prototype`)
  t.comment(`fuzz: ${totalRuns} requests over ${ROUTES.length} routes (seed ${SEED}), ${rejected} rejected; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`)
})

// One spelling per token (docs/http-api.md): every trailing-bit respelling of a live token, in every
// place a route reads it, is refused with that token kind's code and changes nothing; logout with
// a respelled refresh token ends nothing.
const RESPELLING_RUNS = 60
const ACCESS_ROUTES = ['GET /api/me', 'GET /auth/sessions', 'POST /auth/logout-all', 'DELETE /auth/sessions/@@SID@@', 'POST /auth/logout'] as const
const respelling = fc.oneof(
  fc.record({ kind: fc.constant('access' as const), segment: fc.nat(2), route: fc.constantFrom(...ACCESS_ROUTES) }),
  fc.record({ kind: fc.constantFrom('refresh' as const, 'cookie' as const), segment: fc.constant(0), route: fc.constantFrom('POST /auth/refresh', 'POST /auth/logout') })
)

t.test('fuzz trailing-bit respellings of live tokens: refused with their code, nothing changes', async (t) => {
  let sent = 0
  await fc.assert(fc.asyncProperty(respelling, fc.nat(14), async ({ kind, segment, route }, nth) => {
    const live = kind === 'access' ? fixture.accessToken : kind === 'refresh' ? fixture.refreshToken : fixture.cookieToken
    const token = respelled(live, segment, nth)
    fc.pre(token !== null)
    const [method, path] = route.replace('@@SID@@', fixture.sessionId).split(' ') as ['GET' | 'POST' | 'DELETE', string]
    const headers: Record<string, string> = kind === 'access'
      ? { authorization: `Bearer ${token as string}` }
      : kind === 'cookie' ? { cookie: `__Secure-refresh_token=${token as string}`, 'x-requested-with': 'fuzz' } : {}
    const payload = kind === 'refresh' ? { refreshToken: token } : undefined
    const before = await snapshot()
    const response = await app.inject({ method, url: path, headers, payload })
    sent++
    const logoutByRefresh = kind !== 'access' && path === '/auth/logout'
    const expected = logoutByRefresh ? 204 : 401
    const code = kind === 'access' ? 'AUTH_TOKEN_INVALID' : 'AUTH_REFRESH_INVALID'
    if (response.statusCode !== expected || (expected === 401 && response.json().code !== code)) {
      throw new Error(`${kind} segment ${segment} on ${route}: ${response.statusCode} ${response.body}`)
    }
    if (await snapshot() !== before) throw new Error(`${kind} segment ${segment} on ${route} changed the store`)
  }), { seed: SEED + ROUTES.length, numRuns: RESPELLING_RUNS, endOnFailure: true })
  t.ok(sent >= RESPELLING_RUNS / 2, `${sent} respelled tokens refused`)
})

// Cookie tossing (docs/http-api.md, "Refresh token transport"): a request holding the refresh cookie
// more than once, live tokens among them or not, is 400 AUTH_BAD_REQUEST on refresh and logout,
// sets no cookie, and changes nothing.
const DUPLICATE_COOKIE_RUNS = 50

t.test('fuzz duplicate refresh cookies: 400, no Set-Cookie, nothing changes', async (t) => {
  let sent = 0
  await fc.assert(fc.asyncProperty(duplicateRefreshCookies, fc.constantFrom('/auth/refresh', '/auth/logout'), fc.boolean(), async (cookie, url, csrfHeader) => {
    const request = resolveRequest({ method: 'POST', url, headers: { cookie, ...(csrfHeader ? { 'x-requested-with': 'fuzz' } : {}) }, body: undefined }, fixture)
    const before = await snapshot()
    const response = await app.inject({ method: 'POST', url, headers: request.headers })
    sent++
    const problems = problemsWith('POST', response)
    if (response.statusCode !== 400 || response.json().code !== 'AUTH_BAD_REQUEST') problems.push(`${response.statusCode} ${response.body}`)
    if (response.headers['set-cookie'] !== undefined) problems.push(`Set-Cookie ${String(response.headers['set-cookie'])}`)
    if (await snapshot() !== before) problems.push('the store changed')
    if (problems.length > 0) throw new Error(`${url} with Cookie: ${request.headers.cookie ?? ''}: ${problems.join('; ')}`)
  }), { seed: SEED + ROUTES.length + 1, numRuns: DUPLICATE_COOKIE_RUNS, endOnFailure: true })
  t.equal(sent, DUPLICATE_COOKIE_RUNS, `${sent} requests with duplicate refresh cookies refused`)
})

/** Sends raw bytes to the listening server and returns its status line. */
async function rawStatusLine (port: number, request: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => { socket.write(request) })
    let received = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => { received += chunk; if (received.includes('\r\n')) { socket.destroy(); resolve(received.split('\r\n')[0] ?? '') } })
    socket.on('error', reject)
    socket.on('close', () => { resolve(received.split('\r\n')[0] ?? '') })
  })
}

t.test('oversized headers are refused with 431 by a listening server', async (t) => {
  const listening = await buildTestApp(t, {}, { store })
  await listening.listen({ port: 0, host: '127.0.0.1' })
  const port = (listening.server.address() as { port: number }).port
  const oneHuge = `GET /health HTTP/1.1\r\nHost: x\r\nX-Filler: ${'a'.repeat(70 * 1024)}\r\n\r\n`
  t.match(await rawStatusLine(port, oneHuge), /^HTTP\/1\.1 431/, 'one 70 kB header')
  const many = Array.from({ length: 100 }, (_, i) => `X-Filler-${i}: ${'b'.repeat(1000)}\r\n`).join('')
  t.match(await rawStatusLine(port, `GET /health HTTP/1.1\r\nHost: x\r\n${many}\r\n`), /^HTTP\/1\.1 431/, '100 kB over many headers')
  const bigCookie = `POST /auth/refresh HTTP/1.1\r\nHost: x\r\nCookie: __Secure-refresh_token=${'c'.repeat(80 * 1024)}\r\nContent-Length: 0\r\n\r\n`
  t.match(await rawStatusLine(port, bigCookie), /^HTTP\/1\.1 431/, 'an 80 kB cookie')
  t.match(await rawStatusLine(port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n'), /^HTTP\/1\.1 200/, 'and the server still answers')
})

t.test('duplicate JSON keys: the last one counts, consistently', async (t) => {
  const { username, password } = fixture
  const post = async (payload: string) => await app.inject({ method: 'POST', url: '/auth/login', headers: { 'content-type': 'application/json', 'x-token-transport': 'body' }, payload })
  t.equal((await post(`{"username":"${username}","password":"wrong password!","password":"${password}"}`)).statusCode, 200, 'the right password last: 200')
  t.equal((await post(`{"username":"${username}","password":"${password}","password":"wrong password!"}`)).statusCode, 401, 'the wrong password last: 401')
  t.equal((await post(`{"username":"nobody-at-all","username":"${username}","password":"${password}"}`)).statusCode, 200, 'the real name last: 200')
  fixture = await newFixture()
})

t.test('__proto__ and constructor keys are refused on every body route and pollute nothing', async (t) => {
  const poisons = ['{"__proto__":{"admin":true},"username":"x","password":"y"}', '{"constructor":{"prototype":{"admin":true}},"refreshToken":"x"}',
    '{"refreshToken":"x","nested":{"__proto__":{"admin":true}}}']
  for (const url of ['/auth/register', '/auth/login', '/auth/refresh', '/auth/logout', '/auth/password']) {
    for (const payload of poisons) {
      const before = await snapshot()
      const response = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', authorization: `Bearer ${fixture.accessToken}` }, payload })
      t.equal(response.statusCode, 400, `${url} ${payload}`)
      t.same(problemsWith('POST', response), [], `${url}: the contract's error body`)
      t.equal(await snapshot(), before, `${url}: nothing changed`)
    }
  }
  t.equal((Object.prototype as Record<string, unknown>).admin, undefined)
})
