// Security events (docs/audit-events.md): one line each, with its stable `event` name, the user,
// the session, the client's IP and user agent, and no secret anywhere in the log.
import t from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildTestApp, forEachStore } from './helpers/app.js'
import { captureLog } from './helpers/log-capture.js'

const PASSWORD = 'correct horse battery'
const NEW_PASSWORD = 'a brand new password'
const PHONE = { ip: '198.51.100.10', userAgent: 'RotorPhone/1.0' }
const THIEF = { ip: '192.0.2.66', userAgent: 'curl/8.0' }

interface Client { ip: string, userAgent: string }

forEachStore(t, async (t, kind) => {
  const log = captureLog()
  let clockOffset = 0
  const app: FastifyInstance = await buildTestApp(t, { LOG_LEVEL: 'info', LOGIN_MAX_FAILURES: '3' },
    { store: await kind.create(t), logStream: log.stream, now: () => Date.now() + clockOffset })
  const send = async (method: 'POST' | 'DELETE', url: string, options: { client?: Client, payload?: object, bearer?: string, headers?: Record<string, string> } = {}): Promise<LightMyRequestResponse> => {
    const client = options.client ?? PHONE
    const headers: Record<string, string> = { 'user-agent': client.userAgent, ...options.headers }
    if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`
    return await app.inject({ method, url, remoteAddress: client.ip, headers, ...(options.payload === undefined ? {} : { payload: options.payload }) })
  }
  const login = async (username: string, password: string, client?: Client) =>
    await send('POST', '/auth/login', { client, payload: { username, password }, headers: { 'x-token-transport': 'body' } })
  const body = (response: LightMyRequestResponse) => response.json() as { accessToken: string, refreshToken: string }
  const secrets: string[] = [PASSWORD, NEW_PASSWORD]
  const keep = (response: LightMyRequestResponse) => {
    const { accessToken, refreshToken } = body(response)
    secrets.push(accessToken, refreshToken, refreshToken.slice(3, 40), accessToken.split('.')[2] as string)
    return { accessToken, refreshToken }
  }
  const sidOf = (accessToken: string): string => (JSON.parse(Buffer.from(accessToken.split('.')[1] as string, 'base64url').toString()) as { sid: string }).sid

  const registered = await send('POST', '/auth/register', { payload: { username: 'audited', password: PASSWORD } })
  const userId = (registered.json() as { id: string }).id
  await send('POST', '/auth/register', { payload: { username: 'locked-out', password: PASSWORD } })

  t.test('one line per security event, with its fields', async (t) => {
    t.equal((await login('audited', 'wrong password!')).statusCode, 401)
    t.equal((await login('nobody-here', PASSWORD)).statusCode, 401)
    for (let i = 0; i < 3; i++) await login('locked-out', 'wrong password!')
    t.equal((await login('locked-out', PASSWORD)).statusCode, 429)

    const first = keep(await login('audited', PASSWORD))
    const firstSid = sidOf(first.accessToken)
    const rotatedAt = clockOffset
    const rotated = keep(await send('POST', '/auth/refresh', { payload: { refreshToken: first.refreshToken } }))
    clockOffset = rotatedAt + 200
    await send('POST', '/auth/refresh', { payload: { refreshToken: first.refreshToken } })
    clockOffset = rotatedAt + 3000
    const stolen = await send('POST', '/auth/refresh', { client: THIEF, payload: { refreshToken: first.refreshToken } })
    t.equal(body(stolen).refreshToken, rotated.refreshToken, 'the contract\'s answer, however suspicious')
    clockOffset = rotatedAt + 11_000
    t.equal((await send('POST', '/auth/refresh', { client: THIEF, payload: { refreshToken: first.refreshToken } })).statusCode, 401)
    clockOffset = 0

    const second = keep(await login('audited', PASSWORD))
    const third = keep(await login('audited', PASSWORD))
    const fourth = keep(await login('audited', PASSWORD))
    t.equal((await send('POST', '/auth/logout', { payload: { refreshToken: second.refreshToken } })).statusCode, 204)
    t.equal((await send('DELETE', `/auth/sessions/${sidOf(third.accessToken)}`, { bearer: fourth.accessToken })).statusCode, 204)
    t.equal((await send('POST', '/auth/password', { bearer: fourth.accessToken, payload: { currentPassword: 'not it at all', newPassword: NEW_PASSWORD } })).statusCode, 401)
    keep(await login('audited', PASSWORD))
    t.equal((await send('POST', '/auth/password', { bearer: fourth.accessToken, payload: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD } })).statusCode, 204)
    t.equal((await send('POST', '/auth/logout-all', { bearer: fourth.accessToken })).statusCode, 204)

    const events = log.lines().filter((line) => typeof line.event === 'string' && !['keys_loaded'].includes(line.event))
    const phone = { ip: PHONE.ip, userAgent: PHONE.userAgent }
    const fourthSid = sidOf(fourth.accessToken)
    t.match(events.map(({ event, reason, class: klass }) => ({ event, reason, class: klass })), [
      { event: 'register' },
      { event: 'register' },
      { event: 'login_failed', reason: 'wrong_password' },
      { event: 'login_failed', reason: 'unknown_user' },
      { event: 'login_failed' }, { event: 'login_failed' }, { event: 'login_failed' },
      { event: 'login_throttled' },
      { event: 'login' },
      { event: 'refresh' },
      { event: 'refresh_replay', class: 'race' },
      { event: 'refresh_replay', class: 'theft' },
      { event: 'reuse_detected', class: 'theft' },
      { event: 'login' }, { event: 'login' }, { event: 'login' },
      { event: 'logout' },
      { event: 'session_revoked' },
      { event: 'password_change_failed' },
      { event: 'login' },
      { event: 'password_changed' },
      { event: 'logout_all' }
    ])
    t.equal(events.length, 22, 'and nothing else')
    const named = (name: string) => events.filter((line) => line.event === name)
    t.match(named('register')[0], { level: 30, userId, ...phone })
    t.match(named('login_failed')[0], { level: 30, userId, ...phone })
    t.notOk('userId' in (named('login_failed')[1] ?? {}), 'an unknown user has no id')
    t.match(named('login')[0], { level: 30, userId, sessionId: firstSid, ...phone })
    t.match(named('refresh')[0], { level: 30, userId, sessionId: firstSid, ...phone })
    t.match(named('refresh_replay')[0], { level: 30, userId, sessionId: firstSid, ...phone })
    t.match(named('refresh_replay')[1], { level: 40, userId, sessionId: firstSid, ip: THIEF.ip, userAgent: THIEF.userAgent })
    t.match(named('reuse_detected')[0], { level: 40, userId, sessionId: firstSid, ip: THIEF.ip })
    t.match(named('logout')[0], { userId, sessionId: sidOf(second.accessToken), ...phone })
    t.match(named('session_revoked')[0], { userId, sessionId: sidOf(third.accessToken), bySessionId: fourthSid, ...phone })
    t.match(named('password_change_failed')[0], { userId, sessionId: fourthSid, ...phone })
    t.match(named('password_changed')[0], { userId, sessionId: fourthSid, sessionsEnded: 1, ...phone }, 'the fifth session ended')
    t.match(named('logout_all')[0], { userId, sessionId: fourthSid, sessionsEnded: 1, ...phone })
    for (const line of events) t.type(line.reqId, 'string', `${String(line.event)} carries its request id`)

    const text = JSON.stringify(log.lines())
    for (const secret of secrets) t.notOk(text.includes(secret), `no secret in the log (${secret.slice(0, 6)}…)`)
  })

  t.test('a long user agent is cut as sessions cut it', async (t) => {
    const long = { ip: '203.0.113.5', userAgent: `Agent/${'x'.repeat(5000)}` }
    await login('nobody-again', PASSWORD, long)
    const line = log.lines().filter((l) => l.event === 'login_failed').at(-1)
    t.equal(line?.userAgent, long.userAgent.slice(0, 200))
  })
})
