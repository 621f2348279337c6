// Two real server processes on one Redis (docs/http-api.md, "Access tokens"): an access token of a
// session ended on either is refused with AUTH_SESSION_ENDED on both within 1 second of the ending
// call's answer; a gateway following one instance's feed gets what the other revoked; a Redis
// restart loses nothing (verification goes on meanwhile, then each instance catches up); and
// SIGTERM ends open feed streams cleanly without holding the shutdown.
import t, { type Test } from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { tempKeyDir } from '../helpers/access-tokens.js'
import { freePort, startRedisServer } from '../../bench/lib/redis-server.js'
import { httpRequest, spawnServer, type HttpAnswer, type ServerProcess } from '../helpers/server-process.js'
import { openSse } from '../helpers/sse-client.js'

const PASSWORD = 'correct horse battery'
const NEW_PASSWORD = 'a brand new passphrase'
const FEED_TOKEN = 'two-processes-feed-token-0123456789abcdef'
/** The contract's bound, from the ending call's answer to every instance's refusal. */
const REFUSED_WITHIN_MS = 1_000

const redis = await startRedisServer({ config: { appendonly: 'yes', appendfsync: 'always' } })
t.teardown(async () => { await redis.stop() })
const keys = await tempKeyDir(t, 'EdDSA', ['2026-01-01'])
/** Short, so the reuse case need not wait long for a spent token to stop being a grace replay. */
const REUSE_GRACE_S = 1

interface Instance { name: string, url: string, server: ServerProcess }

async function startInstance (name: string): Promise<Instance> {
  const port = await freePort()
  const server = await spawnServer(t, {
    HOST: '127.0.0.1', PORT: String(port), REDIS_URL: redis.url, REDIS_PREFIX: 'revocations:', JWT_KEYS_DIR: keys.dir,
    REVOCATION_FEED_TOKENS: FEED_TOKEN, REFRESH_REUSE_GRACE: String(REUSE_GRACE_S), COOKIE_SECURE: 'false', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000', LOGIN_MAX_FAILURES: '1000000'
  })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  while ((await httpRequest(`${url}/ready`).catch(() => null))?.status !== 200) {
    if (Date.now() > deadline || server.child.exitCode !== null) {
      throw new Error(`${name} not ready (exit ${String(server.child.exitCode)}): ${server.stderr()} ${server.lines.join('\n')}`)
    }
    await sleep(25)
  }
  return { name, url, server }
}

const [a, b] = await Promise.all([startInstance('A'), startInstance('B')])

async function call (on: Instance, path: string, options: { method?: string, body?: unknown, token?: string } = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }
  return await httpRequest(`${on.url}${path}`, { method: options.method, body: options.body, headers })
}

let users = 0
async function newUser (): Promise<string> {
  const username = `revoked-${++users}`
  const answer = await call(a, '/auth/register', { method: 'POST', body: { username, password: PASSWORD } })
  if (answer.status !== 201) throw new Error(`register: ${answer.status} ${answer.body}`)
  return username
}

async function login (on: Instance, username: string, password = PASSWORD): Promise<{ accessToken: string, refreshToken: string, sid: string }> {
  const answer = await httpRequest(`${on.url}/auth/login`, { method: 'POST', body: { username, password }, headers: { 'x-token-transport': 'body' } })
  if (answer.status !== 200) throw new Error(`login: ${answer.status} ${answer.body}`)
  const body = answer.json<{ accessToken: string, refreshToken: string }>()
  const sid = JSON.parse(Buffer.from(body.accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')).sid as string
  return { ...body, sid }
}

/** Polls /api/me on `on` until the token is refused with AUTH_SESSION_ENDED; ms since `since`. */
async function refusedAfter (on: Instance, token: string, since: number): Promise<number> {
  for (;;) {
    const answer = await call(on, '/api/me', { token })
    if (answer.status === 401) {
      if (answer.json().code !== 'AUTH_SESSION_ENDED') throw new Error(`${on.name} refused with ${answer.body}`)
      return Date.now() - since
    }
    if (answer.status !== 200) throw new Error(`${on.name}: ${answer.status} ${answer.body}`)
    if (Date.now() - since > 10_000) throw new Error(`${on.name} still accepts the token after 10 s`)
    await sleep(10)
  }
}

/** Ends sessions with `end`, then checks every token in `ended` on both instances, and `kept` still works. */
async function expectRefusedOnBoth (t: Test, reason: string, end: () => Promise<HttpAnswer>, ended: string[], kept: string[] = []): Promise<void> {
  const answer = await end()
  const answeredAt = Date.now()
  t.ok(answer.status === 204 || answer.status === 401, `${reason}: the ending call answered ${answer.status}`)
  for (const token of ended) {
    for (const on of [a, b]) {
      const ms = await refusedAfter(on, token, answeredAt)
      t.ok(ms <= REFUSED_WITHIN_MS, `${reason}: ${on.name} refuses the ended session's token ${ms} ms after the answer`)
    }
  }
  for (const token of kept) {
    for (const on of [a, b]) t.equal((await call(on, '/api/me', { token })).status, 200, `${reason}: ${on.name} still accepts the session that goes on`)
  }
}

t.test('each reason: the token is refused on both instances within 1 s', async (t) => {
  const gateway = await openSse(`${b.url}/auth/revocations`, { authorization: `Bearer ${FEED_TOKEN}` })
  t.teardown(() => { gateway.close() })
  await gateway.waitFor((event) => event.event === 'ready')

  const user1 = await newUser()
  const viaRefresh = await login(a, user1)
  const witness = await login(b, user1)
  await expectRefusedOnBoth(t, 'logout', async () => await call(a, '/auth/logout', { method: 'POST', body: { refreshToken: viaRefresh.refreshToken } }), [viaRefresh.accessToken], [witness.accessToken])

  const viaAccess = await login(b, user1)
  await expectRefusedOnBoth(t, 'logout with the access token', async () => await call(b, '/auth/logout', { method: 'POST', token: viaAccess.accessToken }), [viaAccess.accessToken], [witness.accessToken])

  const device = await login(a, user1)
  await expectRefusedOnBoth(t, 'revoked', async () => await call(b, `/auth/sessions/${device.sid}`, { method: 'DELETE', token: witness.accessToken }), [device.accessToken], [witness.accessToken])

  const stolen = await login(a, user1)
  const rotated = await call(a, '/auth/refresh', { method: 'POST', body: { refreshToken: stolen.refreshToken } })
  t.equal(rotated.status, 200)
  const rotatedAccess = rotated.json<{ accessToken: string }>().accessToken
  // Not a timing assertion: past REFRESH_REUSE_GRACE the spent token is reuse.
  await sleep(REUSE_GRACE_S * 1000 + 500)
  await expectRefusedOnBoth(t, 'reuse', async () => await call(b, '/auth/refresh', { method: 'POST', body: { refreshToken: stolen.refreshToken } }), [stolen.accessToken, rotatedAccess], [witness.accessToken])

  const others = [await login(a, user1), await login(b, user1)]
  await expectRefusedOnBoth(t, 'password-change', async () => await call(a, '/auth/password', { method: 'POST', token: witness.accessToken, body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD } }), others.map((o) => o.accessToken), [witness.accessToken])

  const more = [await login(a, user1, NEW_PASSWORD), await login(b, user1, NEW_PASSWORD)]
  await expectRefusedOnBoth(t, 'logout-all', async () => await call(b, '/auth/logout-all', { method: 'POST', token: witness.accessToken }), [witness.accessToken, ...more.map((o) => o.accessToken)])

  const sids = [viaRefresh, viaAccess, device, stolen, ...others, witness, ...more].map((session) => session.sid)
  await gateway.waitFor(() => sids.every((sid) => gateway.revoked().some((r) => r.sid === sid)))
  t.same(gateway.revoked().map((r) => r.reason), ['logout', 'logout', 'revoked', 'reuse', 'password-change', 'password-change', 'logout-all', 'logout-all', 'logout-all'],
    'a gateway on B got every revocation, made on A or B, once, with its reason')
})

t.test('Redis restarted: verification goes on with what is known, then both catch up with nothing lost', async (t) => {
  const username = await newUser()
  const before = await login(a, username)
  const kept = await login(a, username)
  t.equal((await call(a, '/auth/logout', { method: 'POST', token: before.accessToken })).status, 204)
  await refusedAfter(b, before.accessToken, Date.now())
  // /api/me answers from its username cache while the store is away.
  t.equal((await call(b, '/api/me', { token: kept.accessToken })).status, 200)

  const gateway = await openSse(`${b.url}/auth/revocations`, { authorization: `Bearer ${FEED_TOKEN}` })
  t.teardown(() => { gateway.close() })
  await gateway.waitFor((event) => event.event === 'ready')
  const seenBefore = gateway.revoked().length

  await redis.kill()
  for (const on of [a, b]) {
    const answer = await call(on, '/api/me', { token: before.accessToken })
    t.equal(answer.json().code, 'AUTH_SESSION_ENDED', `${on.name}: with Redis down, the revocation known is still applied`)
  }
  t.equal((await call(b, '/api/me', { token: kept.accessToken })).status, 200, 'and a live session still verifies')

  await redis.restart()
  let ended: HttpAnswer | undefined
  while (ended?.status !== 204) {
    ended = await call(a, '/auth/logout', { method: 'POST', token: kept.accessToken }).catch(() => undefined)
    if (ended?.status !== 204) await sleep(50)
  }
  const answeredAt = Date.now()
  await refusedAfter(b, kept.accessToken, answeredAt)
  t.pass('B caught up with the revocation made while it reconnected')
  await gateway.waitFor(() => gateway.revoked().some((r) => r.sid === kept.sid), 15_000)
  t.equal(gateway.revoked().length, seenBefore + 1, "B's feed reader got it, once")
})

t.test('SIGTERM ends open feed streams cleanly and the process exits at once', async (t) => {
  const readers = await Promise.all([1, 2].map(async () => await openSse(`${b.url}/auth/revocations`, { authorization: `Bearer ${FEED_TOKEN}` })))
  await Promise.all(readers.map(async (reader) => await reader.waitFor((event) => event.event === 'ready')))
  b.server.child.kill('SIGTERM')
  t.same(await Promise.all(readers.map(async (reader) => await reader.ended)), [true, true], 'each stream ended cleanly')
  t.equal(await b.server.exited, 0, 'exit 0: not killed by the shutdown grace')
  t.equal((await call(a, '/health')).status, 200, 'the other instance serves on')
})
