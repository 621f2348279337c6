// The per-request logger is built lazily (src/logger.ts, lazyRequestLogger): lines must come out
// exactly as with Fastify's own child logger, request id included, at every level that is on.
import t from 'tap'
import { buildTestApp } from './helpers/app.js'
import { captureLog as capture } from './helpers/log-capture.js'

t.test('at info, every request logs incoming and completed lines carrying its request id', async (t) => {
  const log = capture()
  const app = await buildTestApp(t, { LOG_LEVEL: 'info' }, { logStream: log.stream })
  await app.inject({ method: 'GET', url: '/health' })
  const lines = log.lines().filter((line) => line.reqId !== undefined)
  t.same(lines.map((line) => line.msg), ['incoming request', 'request completed'])
  t.equal(lines[0]?.reqId, lines[1]?.reqId, 'one request id on both lines')
  t.match(lines[1], { res: { statusCode: 200 }, responseTime: Number })
})

t.test('at warn, a request logs nothing unless something is worth a warning, and then with its request id', async (t) => {
  const log = capture()
  const app = await buildTestApp(t, { LOG_LEVEL: 'warn', REFRESH_REUSE_GRACE: '0' }, { logStream: log.stream })
  await app.inject({ method: 'POST', url: '/auth/register', payload: { username: 'quiet', password: 'correct horse' } })
  const login = await app.inject({ method: 'POST', url: '/auth/login', headers: { 'x-token-transport': 'body' }, payload: { username: 'quiet', password: 'correct horse' } })
  const first = (login.json() as { refreshToken: string }).refreshToken
  t.equal((await app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: first } })).statusCode, 200)
  t.same(log.lines().filter((line) => line.reqId !== undefined), [], 'no request lines at warn for requests that went well')
  const reused = await app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: first } })
  t.equal(reused.statusCode, 401)
  const warnings = log.lines().filter((line) => line.event === 'reuse_detected')
  t.equal(warnings.length, 1, 'the reuse is logged')
  t.type(warnings[0]?.reqId, 'string', 'with the request id')
  t.equal(warnings[0]?.level, 40)
})
