// docs/http-api.md, "Access tokens": an access token whose session has ended is refused with
// 401 AUTH_SESSION_ENDED on every bearer route, for each way a session ends, on the embedded store
// and Redis. The instance that ended the session refuses at once: here the revocation follower's
// waits are held back, so only what the ending call itself told the process can refuse the token.
// Entries leave the in-memory set once past `until`.
import t, { type Test } from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { setTimeout as sleep } from 'node:timers/promises'
import type { AuthStore } from '../../src/store/types.js'
import { buildTestApp, forEachStore, userWithSession } from '../helpers/app.js'

const PASSWORD = 'correct horse battery'

/** The store, with the follower's waits held until `release()`: nothing arrives through the feed. */
function heldFeed (store: AuthStore): { store: AuthStore, release: () => void } {
  let release: () => void = () => {}
  const released = new Promise<void>((resolve) => { release = resolve })
  const held = new Proxy(store, {
    get (target, property) {
      if (property === 'waitForRevocations') {
        return async (...args: Parameters<AuthStore['waitForRevocations']>) => {
          await released
          return await target.waitForRevocations(...args)
        }
      }
      const value = Reflect.get(target, property) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
  return { store: held, release }
}

function sidOf (accessToken: string): string {
  return JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')).sid as string
}

/** Every bearer route a client of an ended session might still call. */
async function bearerCalls (app: FastifyInstance, accessToken: string): Promise<Record<string, LightMyRequestResponse>> {
  const authorization = `Bearer ${accessToken}`
  return {
    'GET /api/me': await app.inject({ method: 'GET', url: '/api/me', headers: { authorization } }),
    'GET /auth/sessions': await app.inject({ method: 'GET', url: '/auth/sessions', headers: { authorization } }),
    'DELETE /auth/sessions/:id': await app.inject({ method: 'DELETE', url: `/auth/sessions/${sidOf(accessToken)}`, headers: { authorization } }),
    'POST /auth/logout-all': await app.inject({ method: 'POST', url: '/auth/logout-all', headers: { authorization } }),
    'POST /auth/password': await app.inject({ method: 'POST', url: '/auth/password', headers: { authorization }, payload: { currentPassword: PASSWORD, newPassword: 'x'.repeat(12) } }),
    'POST /auth/logout': await app.inject({ method: 'POST', url: '/auth/logout', headers: { authorization } })
  }
}

async function expectEnded (t: Test, app: FastifyInstance, accessToken: string, why: string): Promise<void> {
  for (const [route, answer] of Object.entries(await bearerCalls(app, accessToken))) {
    t.equal(answer.statusCode, 401, `${why}: ${route} answers 401`)
    t.equal(answer.json().code, 'AUTH_SESSION_ENDED', `${why}: ${route} says AUTH_SESSION_ENDED`)
    t.match(answer.headers['www-authenticate'], /^Bearer realm="rotor", error="invalid_token"/, `${why}: ${route} carries the bearer challenge`)
  }
}

async function expectLive (t: Test, app: FastifyInstance, accessToken: string, why: string): Promise<void> {
  const answer = await app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${accessToken}` } })
  t.equal(answer.statusCode, 200, `${why}: a session that goes on still works`)
}

forEachStore(t, async (t, kind) => {
  t.test('each way a session ends: its token is refused at once on the instance that ended it', async (t) => {
    const feed = heldFeed(await kind.create(t))
    const app = await buildTestApp(t, { REFRESH_REUSE_GRACE: '0' }, { store: feed.store })
    const user = await userWithSession(app, undefined, PASSWORD)
    const login = async (): Promise<{ accessToken: string, refreshToken: string }> => {
      const answer = await app.inject({ method: 'POST', url: '/auth/login', headers: { 'x-token-transport': 'body' }, payload: { username: user.username, password: PASSWORD } })
      return answer.json()
    }

    const byRefresh = await login()
    t.equal((await app.inject({ method: 'POST', url: '/auth/logout', payload: { refreshToken: byRefresh.refreshToken } })).statusCode, 204)
    await expectEnded(t, app, byRefresh.accessToken, 'logout with the refresh token')
    await expectLive(t, app, user.accessToken, 'logout')

    const byAccess = await login()
    t.equal((await app.inject({ method: 'POST', url: '/auth/logout', headers: { authorization: `Bearer ${byAccess.accessToken}` } })).statusCode, 204)
    await expectEnded(t, app, byAccess.accessToken, 'logout with the access token')

    const device = await login()
    t.equal((await app.inject({ method: 'DELETE', url: `/auth/sessions/${sidOf(device.accessToken)}`, headers: { authorization: `Bearer ${user.accessToken}` } })).statusCode, 204)
    await expectEnded(t, app, device.accessToken, 'revoked')

    const stolen = await login()
    t.equal((await app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: stolen.refreshToken } })).statusCode, 200)
    t.equal((await app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: stolen.refreshToken } })).json().code, 'AUTH_REFRESH_REUSED')
    await expectEnded(t, app, stolen.accessToken, 'reuse')

    const others = [await login(), await login()]
    t.equal((await app.inject({ method: 'POST', url: '/auth/password', headers: { authorization: `Bearer ${user.accessToken}` }, payload: { currentPassword: PASSWORD, newPassword: PASSWORD.toUpperCase() } })).statusCode, 204)
    for (const other of others) await expectEnded(t, app, other.accessToken, 'password-change')
    await expectLive(t, app, user.accessToken, 'password-change keeps the caller')

    t.equal((await app.inject({ method: 'POST', url: '/auth/logout-all', headers: { authorization: `Bearer ${user.accessToken}` } })).statusCode, 204)
    await expectEnded(t, app, user.accessToken, 'logout-all')
  })

  t.test('a session another instance ended (here: evicted) is refused once the follower reads it', async (t) => {
    const store = await kind.create(t)
    const app = await buildTestApp(t, {}, { store })
    const user = await userWithSession(app)
    const sid = sidOf(user.accessToken)
    await expectLive(t, app, user.accessToken, 'before')
    const claims = JSON.parse(Buffer.from(user.accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub: string }
    t.ok(await store.endSession(claims.sub, sid, 'evicted', Date.now()), 'ended through the store, as another instance would')
    const deadline = Date.now() + 1_000
    while (!app.revocations.set.has(sid) && Date.now() < deadline) await sleep(5)
    await expectEnded(t, app, user.accessToken, 'evicted')
  })
})

t.test('entries leave the in-memory set after until', async (t) => {
  const clock = { now: Date.now() }
  const app = await buildTestApp(t, { ACCESS_TOKEN_TTL: '60' }, { now: () => clock.now, revocations: { sweepIntervalMs: 10 } })
  const user = await userWithSession(app)
  const sid = sidOf(user.accessToken)
  t.equal((await app.inject({ method: 'POST', url: '/auth/logout', payload: { refreshToken: user.refreshToken } })).statusCode, 204)
  t.ok(app.revocations.set.has(sid), 'revoked')
  clock.now += 60_000 + 4_000
  await sleep(50)
  t.ok(app.revocations.set.has(sid), 'still there just before until (at + ACCESS_TOKEN_TTL + 5)')
  clock.now += 2_000
  const deadline = Date.now() + 2_000
  while (app.revocations.set.has(sid) && Date.now() < deadline) await sleep(10)
  t.notOk(app.revocations.set.has(sid), 'gone after until')
  t.equal(app.revocations.set.size, 0)
  const answer = await app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${user.accessToken}` } })
  t.equal(answer.json().code, 'AUTH_TOKEN_EXPIRED', 'its token is expired by then: nothing was let through')
})
