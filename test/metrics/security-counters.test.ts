// Rotor's counters (docs/metrics.md) move by exactly what the requests did: logins by result,
// refreshes by result, replays by class (docs/audit-events.md), sessions ended by reason, 429s by
// route, store calls by operation. On both stores: the replay classes rest on what the store
// returns about the rotation that spent a token.
import t from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildTestApp, forEachStore, register } from '../helpers/app.js'
import { moved, scrape } from '../helpers/metrics.js'

const PASSWORD = 'correct horse battery'
const MAX_FAILURES = 3
const PHONE = { ip: '198.51.100.10', userAgent: 'RotorPhone/1.0' }
const LAPTOP = { ip: '198.51.100.20', userAgent: 'RotorLaptop/1.0' }

interface Client { ip: string, userAgent: string }

function clientRequests (app: FastifyInstance) {
  return {
    async login (username: string, password: string, client: Client = PHONE): Promise<LightMyRequestResponse> {
      return await app.inject({ method: 'POST', url: '/auth/login', remoteAddress: client.ip, headers: { 'x-token-transport': 'body', 'user-agent': client.userAgent }, payload: { username, password } })
    },
    async refresh (refreshToken: string, client: Client = PHONE): Promise<LightMyRequestResponse> {
      return await app.inject({ method: 'POST', url: '/auth/refresh', remoteAddress: client.ip, headers: { 'user-agent': client.userAgent }, payload: { refreshToken } })
    }
  }
}

const tokens = (response: LightMyRequestResponse): { accessToken: string, refreshToken: string } =>
  response.json() as { accessToken: string, refreshToken: string }

forEachStore(t, async (t, kind) => {
  let clockOffset = 0
  const app = await buildTestApp(t, { METRICS_PORT: '0', LOGIN_MAX_FAILURES: String(MAX_FAILURES), REFRESH_REUSE_GRACE: '10' },
    { store: await kind.create(t), now: () => Date.now() + clockOffset })
  const { login, refresh } = clientRequests(app)
  await register(app, 'alice', PASSWORD)
  await register(app, 'mallory-target', PASSWORD)

  t.test('logins by result, and the 429 by route', async (t) => {
    const before = await scrape(app)
    t.equal((await login('alice', PASSWORD)).statusCode, 200)
    t.equal((await login('alice', 'not the password')).statusCode, 401)
    t.equal((await login('nobody-at-all', PASSWORD)).statusCode, 401)
    for (let i = 0; i < MAX_FAILURES - 1; i++) t.equal((await login('mallory-target', 'guess guess')).statusCode, 401)
    t.equal((await login('mallory-target', PASSWORD)).statusCode, 200, 'under the limit the right password works')
    t.equal((await login('mallory-target', 'guess guess')).statusCode, 401, 'the limit is reached')
    t.equal((await login('mallory-target', PASSWORD)).statusCode, 429, 'then the name is locked')
    const after = await scrape(app)
    t.equal(moved(before, after, 'rotor_logins_total', { result: 'ok' }), 2)
    t.equal(moved(before, after, 'rotor_logins_total', { result: 'wrong_password' }), 1 + MAX_FAILURES)
    t.equal(moved(before, after, 'rotor_logins_total', { result: 'unknown_user' }), 1)
    t.equal(moved(before, after, 'rotor_logins_total', { result: 'throttled' }), 1)
    t.equal(moved(before, after, 'rotor_rate_limited_total', { route: '/auth/login' }), 1)
    t.equal(moved(before, after, 'rotor_store_call_duration_seconds_count', { operation: 'createSession' }), 2, 'one session per login')
  })

  t.test('refreshes by result and replays by class: 3 grace replays, 1 of them theft, then 1 reuse', async (t) => {
    // Logged in on the laptop, refreshed on the phone (a session moved, as a synced browser does):
    // replays are judged against the client of the rotation that spent the token, not the login's.
    const session = tokens(await login('alice', PASSWORD, LAPTOP))
    const before = await scrape(app)
    const rotatedAt = clockOffset
    const first = await refresh(session.refreshToken)
    t.equal(first.statusCode, 200)
    const successor = tokens(first).refreshToken

    clockOffset = rotatedAt + 300
    const race = await refresh(session.refreshToken)
    t.equal(tokens(race).refreshToken, successor, 'race: a second tab, 300 ms later')
    clockOffset = rotatedAt + 4000
    const lost = await refresh(session.refreshToken, { ip: '203.0.113.99', userAgent: PHONE.userAgent })
    t.equal(tokens(lost).refreshToken, successor, 'lost answer: 4 s later, same phone on another network')
    clockOffset = rotatedAt + 5000
    const theft = await refresh(session.refreshToken, { ip: '192.0.2.66', userAgent: 'curl/8.0' })
    t.equal(theft.statusCode, 200, 'theft inside the window still gets the answer the contract gives')
    t.equal(tokens(theft).refreshToken, successor, 'the same successor')
    clockOffset = rotatedAt + 11_000
    const reuse = await refresh(session.refreshToken)
    t.equal(reuse.statusCode, 401)
    t.equal(reuse.json().code, 'AUTH_REFRESH_REUSED', 'after the window: reuse')
    t.equal((await refresh(successor)).json().code, 'AUTH_REFRESH_INVALID', 'the session has ended')
    t.equal((await refresh('rt_' + 'A'.repeat(119))).json().code, 'AUTH_REFRESH_INVALID', 'a forged token')
    clockOffset = 0

    const after = await scrape(app)
    const refreshes = (result: string): number => moved(before, after, 'rotor_refreshes_total', { result })
    const replays = (klass: string): number => moved(before, after, 'rotor_refresh_replays_total', { class: klass })
    t.equal(refreshes('rotated'), 1)
    t.equal(refreshes('grace_replay'), 3)
    t.equal(refreshes('reused'), 1)
    t.equal(refreshes('invalid'), 2)
    t.equal(replays('race'), 1)
    t.equal(replays('lost_answer'), 1)
    t.equal(replays('theft'), 2, 'the replay from another client, and the reuse')
    t.equal(moved(before, after, 'rotor_sessions_ended_total', { reason: 'reuse' }), 1)
    t.equal(moved(before, after, 'rotor_store_call_duration_seconds_count', { operation: 'rotateRefreshToken' }), 6, 'the forged token reached no store')
    t.equal(moved(before, after, 'rotor_store_errors_total', { operation: 'rotateRefreshToken' }), 0)
  })

  t.test('sessions ended by reason', async (t) => {
    // One after another: LOGIN_MAX_FAILURES also bounds the logins of one name in flight at once.
    const sessions: Array<{ accessToken: string, refreshToken: string }> = []
    for (let i = 0; i < 6; i++) sessions.push(tokens(await login('alice', PASSWORD)))
    const [a, b, c, d] = sessions
    if (a === undefined || b === undefined || c === undefined || d === undefined) throw new Error('logins failed')
    const bearer = (s: { accessToken: string }) => ({ authorization: `Bearer ${s.accessToken}` })
    const idOf = (s: { accessToken: string }) => (JSON.parse(Buffer.from(s.accessToken.split('.')[1] as string, 'base64url').toString()) as { sid: string }).sid
    const before = await scrape(app)
    t.equal((await app.inject({ method: 'POST', url: '/auth/logout', payload: { refreshToken: a.refreshToken } })).statusCode, 204)
    t.equal((await app.inject({ method: 'POST', url: '/auth/logout', payload: { refreshToken: a.refreshToken } })).statusCode, 204, 'again: nothing left to end')
    t.equal((await app.inject({ method: 'DELETE', url: `/auth/sessions/${idOf(c)}`, headers: bearer(b) })).statusCode, 204)
    const live = (await app.inject({ method: 'GET', url: '/auth/sessions', headers: bearer(d) })).json() as { sessions: unknown[] }
    t.ok(live.sessions.length >= 4, 'b, d and two more are alive (and those of the tests before)')
    t.equal((await app.inject({ method: 'POST', url: '/auth/password', headers: bearer(d), payload: { currentPassword: PASSWORD, newPassword: 'a new password for alice' } })).statusCode, 204)
    t.equal((await app.inject({ method: 'POST', url: '/auth/logout-all', headers: bearer(d) })).statusCode, 204)
    const after = await scrape(app)
    const reason = (r: string): number => moved(before, after, 'rotor_sessions_ended_total', { reason: r })
    t.equal(reason('logout'), 1)
    t.equal(reason('revoked'), 1)
    t.equal(reason('password-change'), live.sessions.length - 1, 'every session of alice but d')
    t.equal(reason('logout-all'), 1, 'only d was left')
    t.equal(reason('reuse'), 0)
  })
})
