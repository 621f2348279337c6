// No password, token, cookie or authorization header reaches the log, at the chattiest level.
import { Writable } from 'node:stream'
import t from 'tap'
import { buildTestApp } from './helpers/app.js'

t.test('secrets never reach the log stream, even at trace level', async (t) => {
  let log = ''
  const logStream = new Writable({ write (chunk, _encoding, done) { log += String(chunk); done() } })
  const app = await buildTestApp(t, { LOG_LEVEL: 'trace' }, { logStream })
  const password = 'Tr0ub4dor&3-very-secret'
  await app.inject({ method: 'POST', url: '/auth/register', payload: { username: 'logged', password } })
  await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'logged', password: 'wrong-' + password } })
  const body = (await app.inject({ method: 'POST', url: '/auth/login', headers: { 'x-token-transport': 'body' }, payload: { username: 'logged', password } })).json()
  const cookieLogin = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'logged', password } })
  const cookie = String(cookieLogin.headers['set-cookie']).split(';')[0] as string
  const refreshed = (await app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: body.refreshToken } })).json()
  await app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: body.refreshToken } })
  await app.inject({ method: 'POST', url: '/auth/refresh', headers: { cookie, 'x-requested-with': 'x' } })
  await app.inject({ url: '/api/me', headers: { authorization: `Bearer ${body.accessToken}` } })
  await app.inject({ url: `/api/me?token=${body.accessToken}`, headers: { authorization: 'Bearer not.a.token' } })
  await app.inject({ method: 'POST', url: '/auth/password', headers: { authorization: `Bearer ${refreshed.accessToken}` }, payload: { currentPassword: password, newPassword: 'n3w-' + password } })
  await app.inject({ method: 'POST', url: '/auth/logout', payload: { refreshToken: refreshed.refreshToken } })
  await app.inject({ method: 'POST', url: '/auth/login', headers: { 'content-type': 'application/json' }, payload: `{"username":"logged","password":"${password}"` })

  t.ok(log.length > 1000, 'the log was written')
  t.match(log, /"event":"login"/, 'security events are logged')
  for (const [name, secret] of Object.entries({
    password,
    accessToken: body.accessToken,
    accessTokenSignature: body.accessToken.split('.')[2],
    refreshToken: body.refreshToken,
    refreshed: refreshed.refreshToken,
    cookie: cookie.split('=')[1] as string
  })) {
    t.notOk(log.includes(secret), `${name} is not in the log`)
  }
  t.notOk(log.includes('Tr0ub4dor'), 'not even part of the password')
})
