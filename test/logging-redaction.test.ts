// No password, token, cookie or authorization header reaches the log, at the chattiest level: in
// JSON lines, and in the pino-pretty lines a developer's terminal gets (src/logger.ts, logFormat).
import { once } from 'node:events'
import { Writable } from 'node:stream'
import t, { type Test } from 'tap'
import { buildTestApp } from './helpers/app.js'
import { prettyLogStream, type LogFormat } from '../src/logger.js'

async function secretsStayOut (t: Test, format: LogFormat): Promise<void> {
  let log = ''
  const written = new Writable({ write (chunk, _encoding, done) { log += String(chunk); done() } })
  const logStream = format === 'pretty' ? await prettyLogStream(written) : written
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

  // The second line of defence: a secret logged on purpose is censored before any formatting.
  app.log.trace({ password, refreshToken: body.refreshToken, headers: { authorization: `Bearer ${body.accessToken}` } }, 'secrets logged on purpose')
  if (format === 'pretty') {
    // pino-pretty formats in a stream of its own: everything is through once it has ended.
    await app.close()
    logStream.end()
    await once(written, 'finish')
    t.notOk(log.split('\n').some((line) => line.startsWith('{')), 'pretty lines, not JSON')
    t.match(log, /event: "login"/, 'security events are logged')
  } else {
    t.match(log, /"event":"login"/, 'security events are logged')
  }
  t.match(log, /secrets logged on purpose/, 'the deliberate line was written')
  t.match(log, /\[redacted\]/, 'with its secrets censored')
  t.ok(log.length > 1000, 'the log was written')
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
}

t.test('secrets never reach the log stream, even at trace level (JSON lines)', async (t) => { await secretsStayOut(t, 'json') })
t.test('secrets never reach the log stream, even at trace level (pino-pretty lines)', async (t) => { await secretsStayOut(t, 'pretty') })
