// The session routes over HTTP: refresh in both transports, CSRF, logout, logout-all, the session
// list, revoking one session, password change.
import t from 'tap'
import { buildTestApp, forEachStore, loginBody, userWithSession } from '../helpers/app.js'

forEachStore(t, async (t, kind) => {
  const store = await kind.create(t)
  const app = await buildTestApp(t, {}, { store })
  const refresh = async (refreshToken: string) => await app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken } })
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

  t.test('body refresh rotates: a new refresh token, the old one spent, same session', async (t) => {
    const user = await userWithSession(app)
    const first = await refresh(user.refreshToken)
    t.equal(first.statusCode, 200)
    const body = first.json()
    t.not(body.refreshToken, user.refreshToken)
    const sessions = await app.inject({ url: '/auth/sessions', headers: bearer(body.accessToken) })
    t.equal(sessions.json().sessions.length, 1)
    t.equal(sessions.json().sessions[0].current, true)
    t.equal((await refresh(body.refreshToken)).statusCode, 200)
  })

  t.test('grace replay answers the same successor; later reuse ends the session', async (t) => {
    const user = await userWithSession(app)
    const a = (await refresh(user.refreshToken)).json()
    const replay = (await refresh(user.refreshToken)).json()
    t.equal(replay.refreshToken, a.refreshToken)
    const b = (await refresh(a.refreshToken)).json()
    const reused = await refresh(user.refreshToken)
    t.equal(reused.statusCode, 401)
    t.equal(reused.json().code, 'AUTH_REFRESH_REUSED')
    const after = await refresh(b.refreshToken)
    t.equal(after.statusCode, 401)
    t.equal(after.json().code, 'AUTH_REFRESH_INVALID', 'the current token died with the session')
  })

  t.test('cookie refresh needs X-Requested-With and sets the next cookie', async (t) => {
    const { username, password } = await userWithSession(app)
    const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { username, password } })
    const cookie = String(login.headers['set-cookie']).split(';')[0] as string
    const csrf = await app.inject({ method: 'POST', url: '/auth/refresh', headers: { cookie } })
    t.equal(csrf.statusCode, 403)
    t.equal(csrf.json().code, 'AUTH_CSRF')
    const ok = await app.inject({ method: 'POST', url: '/auth/refresh', headers: { cookie, 'x-requested-with': 'XMLHttpRequest' } })
    t.equal(ok.statusCode, 200)
    t.notOk('refreshToken' in ok.json())
    t.match(String(ok.headers['set-cookie']), /^__Secure-refresh_token=rt_.*HttpOnly/)
    t.not(String(ok.headers['set-cookie']).split(';')[0], cookie)
  })

  t.test('no token at all is AUTH_REFRESH_MISSING; garbage is AUTH_REFRESH_INVALID', async (t) => {
    const missing = await app.inject({ method: 'POST', url: '/auth/refresh' })
    t.equal(missing.statusCode, 401)
    t.equal(missing.json().code, 'AUTH_REFRESH_MISSING')
    const garbage = await refresh('rt_not-a-token')
    t.equal(garbage.json().code, 'AUTH_REFRESH_INVALID')
    const jwt = await refresh('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.')
    t.equal(jwt.json().code, 'AUTH_REFRESH_INVALID')
  })

  t.test('logout by refresh token ends the session, is idempotent and clears the cookie', async (t) => {
    const user = await userWithSession(app)
    const logout = async () => await app.inject({ method: 'POST', url: '/auth/logout', payload: { refreshToken: user.refreshToken } })
    const first = await logout()
    t.equal(first.statusCode, 204)
    t.match(String(first.headers['set-cookie']), /Max-Age=0/)
    t.equal((await logout()).statusCode, 204)
    t.equal((await refresh(user.refreshToken)).json().code, 'AUTH_REFRESH_INVALID')
  })

  t.test('logout by access token ends that session only', async (t) => {
    const user = await userWithSession(app)
    const other = (await loginBody(app, user.username, user.password)).json()
    const response = await app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(user.accessToken) })
    t.equal(response.statusCode, 204)
    t.equal((await refresh(user.refreshToken)).statusCode, 401)
    t.equal((await refresh(other.refreshToken)).statusCode, 200)
  })

  t.test('logout-all ends every session of the user and no other user', async (t) => {
    const user = await userWithSession(app)
    const second = (await loginBody(app, user.username, user.password)).json()
    const stranger = await userWithSession(app)
    const response = await app.inject({ method: 'POST', url: '/auth/logout-all', headers: bearer(user.accessToken) })
    t.equal(response.statusCode, 204)
    t.equal((await refresh(user.refreshToken)).statusCode, 401)
    t.equal((await refresh(second.refreshToken)).statusCode, 401)
    t.equal((await refresh(stranger.refreshToken)).statusCode, 200)
  })

  t.test('the session list shows live sessions with ISO times and the current flag', async (t) => {
    const user = await userWithSession(app)
    const second = (await app.inject({
      method: 'POST', url: '/auth/login', headers: { 'x-token-transport': 'body', 'user-agent': 'x'.repeat(500) }, payload: { username: user.username, password: user.password }
    })).json()
    await app.inject({ method: 'POST', url: '/auth/logout', payload: { refreshToken: second.refreshToken } })
    const third = (await loginBody(app, user.username, user.password)).json()
    const list = (await app.inject({ url: '/auth/sessions', headers: bearer(third.accessToken) })).json().sessions
    t.equal(list.length, 2)
    t.same(list.map((s: { current: boolean }) => s.current), [false, true])
    for (const session of list) {
      t.same(Object.keys(session).sort(), ['createdAt', 'current', 'expiresAt', 'id', 'ip', 'lastUsedAt', 'userAgent'])
      t.equal(new Date(session.createdAt).toISOString(), session.createdAt)
      t.ok(session.userAgent.length <= 200)
    }
  })

  t.test('revoking a session: 204 for one of mine, 404 for anything else', async (t) => {
    const user = await userWithSession(app)
    const other = (await loginBody(app, user.username, user.password)).json()
    const stranger = await userWithSession(app)
    const strangerSessions = (await app.inject({ url: '/auth/sessions', headers: bearer(stranger.accessToken) })).json().sessions
    const mine = (await app.inject({ url: '/auth/sessions', headers: bearer(user.accessToken) })).json().sessions
    const target = mine.find((s: { current: boolean }) => !s.current).id
    const del = async (id: string) => await app.inject({ method: 'DELETE', url: `/auth/sessions/${encodeURIComponent(id)}`, headers: bearer(user.accessToken) })
    t.equal((await del(target)).statusCode, 204)
    t.equal((await refresh(other.refreshToken)).statusCode, 401)
    const again = await del(target)
    t.equal(again.statusCode, 404)
    t.equal(again.json().code, 'AUTH_SESSION_NOT_FOUND')
    t.equal((await del(strangerSessions[0].id)).statusCode, 404, "another user's session")
    t.equal((await refresh(stranger.refreshToken)).statusCode, 200, 'and it lives on')
    t.equal((await del('no-such-session')).statusCode, 404)
  })

  t.test('password change checks the current password and ends every other session', async (t) => {
    const user = await userWithSession(app)
    const other = (await loginBody(app, user.username, user.password)).json()
    const change = async (currentPassword: string) => await app.inject({
      method: 'POST', url: '/auth/password', headers: bearer(user.accessToken), payload: { currentPassword, newPassword: 'a brand new password' }
    })
    const wrong = await change('not my password')
    t.equal(wrong.statusCode, 401)
    t.equal(wrong.json().code, 'AUTH_INVALID_CREDENTIALS')
    t.equal((await change(user.password)).statusCode, 204)
    t.equal((await refresh(other.refreshToken)).statusCode, 401, 'other session ended')
    t.equal((await refresh(user.refreshToken)).statusCode, 200, 'this session kept')
    t.equal((await loginBody(app, user.username, user.password)).statusCode, 401)
    t.equal((await loginBody(app, user.username, 'a brand new password')).statusCode, 200)
  })

  t.test('access-token routes answer 401 with WWW-Authenticate: Bearer', async (t) => {
    for (const [method, url] of [['GET', '/auth/sessions'], ['POST', '/auth/logout-all'], ['GET', '/api/me'], ['POST', '/auth/password']] as const) {
      const response = await app.inject({ method, url })
      t.equal(response.statusCode, 401, url)
      t.equal(response.json().code, 'AUTH_TOKEN_MISSING', url)
      t.match(String(response.headers['www-authenticate']), /^Bearer /, url)
    }
  })
})
