import t from 'tap'
import { buildTestApp, forEachStore, loginBody, register } from '../helpers/app.js'

forEachStore(t, async (t, kind) => {
  const store = await kind.create(t)
  const app = await buildTestApp(t, {}, { store })
  await register(app, 'knuth', 'correct horse battery')

  t.test('a valid login answers an access token and, with body transport, a refresh token', async (t) => {
    const response = await loginBody(app, 'KNUTH', 'correct horse battery')
    t.equal(response.statusCode, 200)
    const body = response.json()
    t.same(Object.keys(body).sort(), ['accessToken', 'expiresIn', 'refreshToken', 'tokenType'])
    t.equal(body.tokenType, 'Bearer')
    t.equal(body.expiresIn, 900)
    t.match(body.refreshToken, /^rt_/)
    t.equal(response.headers['set-cookie'], undefined, 'no cookie with body transport')
    t.equal(response.headers['cache-control'], 'no-store')
    const me = await app.inject({ url: '/api/me', headers: { authorization: `Bearer ${body.accessToken}` } })
    t.equal(me.statusCode, 200)
    t.same(me.json(), { id: (await store.findUserByUsername('knuth'))?.id, username: 'knuth' })
  })

  t.test('cookie transport: HttpOnly, Secure, SameSite=Strict cookie on /auth, no token in the body', async (t) => {
    const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'knuth', password: 'correct horse battery' } })
    t.equal(response.statusCode, 200)
    t.notOk('refreshToken' in response.json())
    const cookie = String(response.headers['set-cookie'])
    t.match(cookie, /^__Secure-refresh_token=rt_[A-Za-z0-9_-]+;/)
    t.match(cookie, /; Max-Age=1209600(;|$)/)
    t.match(cookie, /; Path=\/auth(;|$)/)
    t.match(cookie, /; HttpOnly(;|$)/)
    t.match(cookie, /; Secure(;|$)/)
    t.match(cookie, /; SameSite=Strict(;|$)/)
  })

  t.test('unknown user and wrong password answer byte-identically', async (t) => {
    const wrong = await loginBody(app, 'knuth', 'wrong password!')
    const unknown = await loginBody(app, 'nobody-here', 'wrong password!')
    t.equal(wrong.statusCode, 401)
    t.equal(wrong.json().code, 'AUTH_INVALID_CREDENTIALS')
    t.equal(unknown.body, wrong.body)
    t.equal(unknown.statusCode, wrong.statusCode)
    // Only the clock and the per-IP request counter may differ between the two answers.
    const headers = (r: typeof wrong) => Object.fromEntries(Object.entries(r.headers).filter(([name]) => name !== 'date' && name !== 'x-ratelimit-remaining'))
    t.same(headers(unknown), headers(wrong))
  })

  t.test('a login while an old session cookie is present starts a new session', async (t) => {
    const first = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'knuth', password: 'correct horse battery' } })
    const oldCookie = String(first.headers['set-cookie']).split(';')[0] as string
    const second = await app.inject({ method: 'POST', url: '/auth/login', headers: { cookie: oldCookie }, payload: { username: 'knuth', password: 'correct horse battery' } })
    const newCookie = String(second.headers['set-cookie']).split(';')[0] as string
    t.not(newCookie, oldCookie)
    const user = await store.findUserByUsername('knuth')
    const sessions = await store.listSessions(user?.id ?? '', Date.now())
    const oldRefresh = await app.inject({ method: 'POST', url: '/auth/refresh', headers: { cookie: oldCookie, 'x-requested-with': 'fetch' } })
    t.equal(oldRefresh.statusCode, 200, 'the old session is a separate, still-live session')
    t.ok(sessions.length >= 2)
  })
})
