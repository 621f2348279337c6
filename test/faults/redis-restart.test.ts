// A Redis restart, through HTTP: with AOF on, every session survives a Redis restart and
// its refresh token keeps working; scripts missing from Redis's cache (after the restart, or a
// SCRIPT FLUSH) are reloaded without the client noticing (NOSCRIPT, then EVAL); and when keys are
// lost anyway (FLUSHALL, or one kind of key evicted) clients get 4xx answers, never a 5xx.
import t, { type Test } from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { Redis } from 'ioredis'
import { buildTestApp, userWithSession } from '../helpers/app.js'
import { startRedisServer } from '../../bench/lib/redis-server.js'
import { createRedisStore } from '../../src/store/redis-store.js'

const redis = await startRedisServer({ config: { appendonly: 'yes', appendfsync: 'always' } })
t.teardown(async () => { await redis.stop() })
const prefix = `restart${process.pid}:`
const store = createRedisStore({ url: redis.url, prefix })
t.teardown(async () => { await store.close() })
const app = await buildTestApp(t, { RATE_LIMIT_PER_MINUTE: '100000' }, { store })

const inspector = new Redis(redis.url, { maxRetriesPerRequest: null })
inspector.on('error', () => {})
t.teardown(() => { inspector.disconnect() })

type Client = Awaited<ReturnType<typeof userWithSession>>

async function refresh (client: Client): Promise<LightMyRequestResponse> {
  const response = await app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: client.refreshToken } })
  if (response.statusCode === 200) {
    const body = response.json() as { accessToken: string, refreshToken: string }
    client.accessToken = body.accessToken
    client.refreshToken = body.refreshToken
  }
  return response
}

async function untilReady (): Promise<void> {
  const started = Date.now()
  while ((await app.inject({ method: 'GET', url: '/ready' })).statusCode !== 200) {
    if (Date.now() - started > 15_000) throw new Error('the server did not recover within 15 s')
    await sleep(50)
  }
}

/** Everything a client holding these tokens might send. */
function everyRequest (client: Client): Record<string, InjectOptions> {
  const bearer = { authorization: `Bearer ${client.accessToken}` }
  return {
    'refresh (cookie)': { method: 'POST', url: '/auth/refresh', headers: { cookie: `__Secure-refresh_token=${client.refreshToken}`, 'x-requested-with': 'fetch' } },
    sessions: { method: 'GET', url: '/auth/sessions', headers: bearer },
    me: { method: 'GET', url: '/api/me', headers: bearer },
    'delete a session': { method: 'DELETE', url: '/auth/sessions/not-a-session', headers: bearer },
    password: { method: 'POST', url: '/auth/password', headers: bearer, payload: { currentPassword: client.password, newPassword: 'a brand new password' } },
    login: { method: 'POST', url: '/auth/login', payload: { username: client.username, password: client.password } },
    refresh: { method: 'POST', url: '/auth/refresh', payload: { refreshToken: client.refreshToken } },
    logout: { method: 'POST', url: '/auth/logout', payload: { refreshToken: client.refreshToken } },
    'logout-all': { method: 'POST', url: '/auth/logout-all', headers: bearer }
  }
}

async function assertNever5xx (t: Test, client: Client, when: string): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {}
  for (const [name, request] of Object.entries(everyRequest(client))) {
    const response = await app.inject(request)
    statuses[name] = response.statusCode
    t.ok(response.statusCode < 500, `${when}: ${name} is ${response.statusCode}, not a 5xx (${response.body})`)
    if (response.statusCode >= 400) t.same(Object.keys(response.json()).sort(), ['code', 'error', 'message', 'statusCode'], `${when}: ${name} error body`)
  }
  return statuses
}

t.test('sessions survive a Redis restart with AOF, and their tokens keep rotating', async (t) => {
  const clients = await Promise.all(Array.from({ length: 5 }, async () => await userWithSession(app)))
  for (const client of clients.slice(0, 3)) t.equal((await refresh(client)).statusCode, 200, 'rotated before the restart')
  await redis.restart()
  await untilReady()
  for (const client of clients) {
    t.equal((await refresh(client)).statusCode, 200, `${client.username}: the refresh token from before the restart works`)
    const sessions = await app.inject({ method: 'GET', url: '/auth/sessions', headers: { authorization: `Bearer ${client.accessToken}` } })
    t.equal((sessions.json() as { sessions: unknown[] }).sessions.length, 1, `${client.username}: the session is listed`)
  }
})

t.test('scripts flushed from Redis are reloaded transparently (NOSCRIPT)', async (t) => {
  const client = await userWithSession(app)
  for (let round = 0; round < 3; round++) {
    await inspector.script('FLUSH')
    t.equal((await refresh(client)).statusCode, 200, `round ${round}: refresh after SCRIPT FLUSH`)
    const sessions = await app.inject({ method: 'GET', url: '/auth/sessions', headers: { authorization: `Bearer ${client.accessToken}` } })
    t.equal(sessions.statusCode, 200, `round ${round}: sessions after SCRIPT FLUSH`)
  }
})

t.test('every key lost (FLUSHALL on this test\'s own Redis): 401s, never a 5xx', async (t) => {
  const client = await userWithSession(app)
  await inspector.flushall()
  t.equal((await app.inject(everyRequest(client).refresh as InjectOptions)).statusCode, 401, 'the refresh token is invalid now')
  const statuses = await assertNever5xx(t, client, 'after FLUSHALL')
  t.equal(statuses.login, 401, 'the account is gone: login is 401')
  t.equal((await app.inject({ method: 'POST', url: '/auth/register', payload: { username: client.username, password: client.password } })).statusCode, 201,
    'and the name can be registered again')
})

// What `maxmemory-policy` eviction or a partial restore could leave: one kind of key missing.
const KEY_KINDS: Record<string, (userId: string) => string> = {
  'session record': (userId) => `${prefix}{${userId}}:s:*`,
  'account hash (with the session index)': (userId) => `${prefix}{${userId}}:user`
}

for (const [kind, pattern] of Object.entries(KEY_KINDS)) {
  t.test(`a lost ${kind}: never a 5xx`, async (t) => {
    const client = await userWithSession(app)
    const userId = (JSON.parse(Buffer.from(client.accessToken.split('.')[1] as string, 'base64url').toString()) as { sub: string }).sub
    const keys = await inspector.keys(pattern(userId))
    t.ok(keys.length > 0, `found the ${kind}`)
    await inspector.del(...keys)
    await assertNever5xx(t, client, `without the ${kind}`)
  })
}

t.test('a lost username claim: the account cannot log in, never a 5xx', async (t) => {
  const client = await userWithSession(app)
  const claims = await inspector.keys(`${prefix}name:*`)
  await inspector.del(...claims)
  const statuses = await assertNever5xx(t, client, 'without the username claim')
  t.equal(statuses.login, 401)
})
