// Two real server processes on one Redis behave as one server (docs/http-api.md, "Rotation", and the
// limits "counted in the store so all instances share it"): a token rotated on A is spent on B, a
// reuse seen by B ends the session for A too, and login failures and per-IP request counts add up
// over both.
//
// The pair sits behind a trusted proxy (TRUST_PROXY, X-Forwarded-For), as instances behind a load
// balancer do. That lets one pair run every scenario under a per-IP limit of 5: each request comes
// from an address of its own unless a scenario is about one client's count. A process takes a second
// or more to start, so one pair serves every scenario.
import t from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { generateKeyFile } from '../../src/domain/keys.js'
import { freePort, startRedisServer } from '../../bench/lib/redis-server.js'
import { httpRequest, spawnServer, type HttpAnswer, type ServerProcess } from '../helpers/server-process.js'

const PASSWORD = 'correct horse battery'
const WRONG_PASSWORD = 'incorrect horse battery'
/** Long enough for a replay sent right after a rotation, short enough to wait out. */
const REUSE_GRACE_S = 2
const LOGIN_MAX_FAILURES = 4
const RATE_LIMIT_PER_MINUTE = 5

const redis = await startRedisServer()
t.teardown(async () => { await redis.stop() })
// One key directory for both processes: each must verify the other's access tokens and refresh MACs.
const keysDir = await mkdtemp(join(tmpdir(), 'rotor-two-processes-keys-'))
t.teardown(async () => { await rm(keysDir, { recursive: true, force: true }) })
await generateKeyFile('EdDSA', keysDir, '20260101')

const ENV = {
  HOST: '127.0.0.1',
  REDIS_URL: redis.url,
  REDIS_PREFIX: 'two-processes:',
  JWT_KEYS_DIR: keysDir,
  TRUST_PROXY: '127.0.0.1',
  REFRESH_REUSE_GRACE: String(REUSE_GRACE_S),
  LOGIN_MAX_FAILURES: String(LOGIN_MAX_FAILURES),
  RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
  COOKIE_SECURE: 'false',
  LOG_LEVEL: 'warn'
}

interface Instance {
  name: string
  url: string
  server: ServerProcess
}

/**
 * LOG_LEVEL=warn hides Fastify's "listening" line, so the port is chosen here and /ready polled. If
 * another process took the port meanwhile, the server exits at once: try another.
 */
async function startInstance (name: string): Promise<Instance> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const server = await spawnServer(t, { ...ENV, PORT: String(port) })
    const url = `http://127.0.0.1:${port}`
    const deadline = Date.now() + 15_000
    const running = (): boolean => server.child.exitCode === null && server.child.signalCode === null
    while (running() && Date.now() < deadline) {
      const ready = await httpRequest(`${url}/ready`).catch(() => null)
      if (ready?.status === 200) return { name, url, server }
      await sleep(25)
    }
    const why = `server ${name} on port ${port} not ready (exit ${String(server.child.exitCode ?? server.child.signalCode)}): ${server.stderr()} ${server.lines.join('\n')}`
    if (running() || attempt === 3) throw new Error(why)
  }
}

const [a, b] = await Promise.all([startInstance('A'), startInstance('B')])

let addresses = 0
/** A client address of its own (RFC 1918), so per-IP limits count only what a scenario means them to. */
function newClientIp (): string {
  addresses++
  return `10.0.${addresses >> 8}.${addresses & 255}`
}

async function call (
  on: Instance,
  path: string,
  options: { method?: string, body?: unknown, headers?: Record<string, string>, ip?: string } = {}
): Promise<HttpAnswer> {
  const headers = { ...options.headers, 'x-forwarded-for': options.ip ?? newClientIp() }
  return await httpRequest(`${on.url}${path}`, { method: options.method, body: options.body, headers })
}

async function register (on: Instance, username: string): Promise<string> {
  const answer = await call(on, '/auth/register', { method: 'POST', body: { username, password: PASSWORD } })
  if (answer.status !== 201) throw new Error(`register ${username} on ${on.name}: ${answer.status} ${answer.body}`)
  return answer.json<{ id: string }>().id
}

async function tryLogin (on: Instance, username: string, password = PASSWORD): Promise<HttpAnswer> {
  return await call(on, '/auth/login', { method: 'POST', body: { username, password }, headers: { 'x-token-transport': 'body' } })
}

interface Login {
  accessToken: string
  refreshToken: string
  sessionId: string
}

/** The `sid` claim: which session an access token speaks for. */
function sessionIdOf (accessToken: string): string {
  const payload = accessToken.split('.')[1] ?? ''
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')).sid as string
}

async function login (on: Instance, username: string): Promise<Login> {
  const answer = await tryLogin(on, username)
  if (answer.status !== 200) throw new Error(`login ${username} on ${on.name}: ${answer.status} ${answer.body}`)
  const { accessToken, refreshToken } = answer.json<{ accessToken: string, refreshToken: string }>()
  return { accessToken, refreshToken, sessionId: sessionIdOf(accessToken) }
}

async function refresh (on: Instance, refreshToken: string, ip?: string): Promise<HttpAnswer> {
  return await call(on, '/auth/refresh', { method: 'POST', body: { refreshToken }, ip })
}

function refreshTokenOf (answer: HttpAnswer): string {
  return answer.json<{ refreshToken: string }>().refreshToken
}

function accessTokenOf (answer: HttpAnswer): string {
  return answer.json<{ accessToken: string }>().accessToken
}

async function listedSessionIds (on: Instance, accessToken: string): Promise<string[]> {
  const answer = await call(on, '/auth/sessions', { headers: { authorization: `Bearer ${accessToken}` } })
  if (answer.status !== 200) throw new Error(`GET /auth/sessions on ${on.name}: ${answer.status} ${answer.body}`)
  return answer.json<{ sessions: Array<{ id: string }> }>().sessions.map((session) => session.id).sort()
}

function codeOf (answer: HttpAnswer): unknown {
  try {
    return answer.json().code
  } catch {
    return answer.body
  }
}

function retryAfterOf (answer: HttpAnswer): number {
  return Number(answer.headers['retry-after'])
}

t.test('a token rotated on A, replayed on B after the grace, ends the session on both', async (t) => {
  await register(a, 'reuse-victim')
  const victim = await login(a, 'reuse-victim')
  // A second session of the same user, to look at the session list once the victim's has ended.
  const witness = await login(b, 'reuse-victim')
  const bothSessions = [victim.sessionId, witness.sessionId].sort()
  t.same(await listedSessionIds(a, witness.accessToken), bothSessions, 'before: A lists both sessions')
  t.same(await listedSessionIds(b, witness.accessToken), bothSessions, 'before: B lists both sessions')

  const rotated = await refresh(a, victim.refreshToken)
  t.equal(rotated.status, 200, 'A rotates the first refresh token')
  const token2 = refreshTokenOf(rotated)
  t.not(token2, victim.refreshToken, 'the successor is a new token')
  const replay = await refresh(b, victim.refreshToken)
  t.equal(refreshTokenOf(replay), token2, 'inside the grace, B answers the spent token with the successor A issued')

  // Not a timing assertion: only waits until the spent token is no longer a grace replay.
  await sleep(REUSE_GRACE_S * 1000 + 500)
  const reused = await refresh(b, victim.refreshToken)
  t.equal(reused.status, 401, 'after the grace, B refuses the token A spent')
  t.equal(codeOf(reused), 'AUTH_REFRESH_REUSED', 'B sees it as reuse')
  // The line may reach this process's pipe just after the answer does.
  const isReuseEvent = (line: string): boolean => line.includes('"event":"reuse_detected"') && line.includes(`"sessionId":"${victim.sessionId}"`)
  const reuseLine = await b.server.waitForLine(isReuseEvent, 5_000).catch(() => undefined)
  t.ok(reuseLine, 'B logs the reuse_detected audit event with the session id')

  for (const on of [a, b]) {
    const answer = await refresh(on, token2)
    t.equal(answer.status, 401, `${on.name} refuses the successor: the session has ended`)
    t.equal(codeOf(answer), 'AUTH_REFRESH_INVALID', `${on.name} answers AUTH_REFRESH_INVALID for the successor`)
  }
  const again = await refresh(a, victim.refreshToken)
  t.equal(codeOf(again), 'AUTH_REFRESH_INVALID', 'the spent token, once more, is only invalid: nothing is left to end')

  t.same(await listedSessionIds(a, witness.accessToken), [witness.sessionId], 'after: A lists only the other session')
  t.same(await listedSessionIds(b, witness.accessToken), [witness.sessionId], 'after: B lists only the other session')
  t.equal((await refresh(a, witness.refreshToken)).status, 200, 'the other session of the user still refreshes')
})

t.test('within the grace, A and B answer the spent token with one successor, and the chain goes on', async (t) => {
  const userId = await register(a, 'grace-replayer')
  const session = await login(a, 'grace-replayer')

  const rotated = await refresh(a, session.refreshToken)
  t.equal(rotated.status, 200, 'A rotates the first refresh token')
  const token2 = refreshTokenOf(rotated)
  const replayOnB = await refresh(b, session.refreshToken)
  t.equal(replayOnB.status, 200, 'B accepts the spent token inside the grace')
  t.equal(refreshTokenOf(replayOnB), token2, 'B answers the very successor A issued')
  const replayOnA = await refresh(a, session.refreshToken)
  t.equal(refreshTokenOf(replayOnA), token2, 'A, asked again, answers the same successor')

  // Each process verifies the access tokens the other signed.
  const meOnA = await call(a, '/api/me', { headers: { authorization: `Bearer ${accessTokenOf(replayOnB)}` } })
  t.same([meOnA.status, meOnA.json().id], [200, userId], 'A accepts the access token B issued')
  const meOnB = await call(b, '/api/me', { headers: { authorization: `Bearer ${accessTokenOf(rotated)}` } })
  t.same([meOnB.status, meOnB.json().id], [200, userId], 'B accepts the access token A issued')

  const next = await refresh(b, token2)
  t.equal(next.status, 200, 'B rotates the successor: the chain goes on')
  t.not(refreshTokenOf(next), token2, 'with a third token')
  t.equal((await refresh(a, refreshTokenOf(next))).status, 200, 'which A rotates in turn')
})

t.test('concurrent refreshes of one token on A and B share one successor', async (t) => {
  await register(b, 'two-tabs')
  const session = await login(b, 'two-tabs')
  const answers = await Promise.all([a, b, a, b, a, b].map(async (on) => await refresh(on, session.refreshToken)))
  t.same(answers.map((answer) => answer.status), [200, 200, 200, 200, 200, 200], 'every refresh succeeds')
  const successors = new Set(answers.map(refreshTokenOf))
  t.equal(successors.size, 1, 'all six answers carry the same successor')
  const [successor] = successors
  t.equal((await refresh(a, successor as string)).status, 200, 'and that successor is the live one')
})

t.test('login failures on A and B add up to one limit', async (t) => {
  await register(a, 'throttled')
  await register(b, 'bystander')
  const fail = async (on: Instance): Promise<void> => {
    const answer = await tryLogin(on, 'throttled', WRONG_PASSWORD)
    t.equal(codeOf(answer), 'AUTH_INVALID_CREDENTIALS', `wrong password on ${on.name} is refused as such`)
  }

  await fail(a)
  await fail(b)
  await fail(a)
  t.equal((await tryLogin(b, 'throttled')).status, 200, `${LOGIN_MAX_FAILURES - 1} failures do not lock the name yet`)
  await fail(b)

  for (const on of [a, b]) {
    const answer = await tryLogin(on, 'throttled')
    t.equal(answer.status, 429, `after ${LOGIN_MAX_FAILURES} failures over both, the right password on ${on.name} answers 429`)
    t.equal(codeOf(answer), 'AUTH_RATE_LIMITED', `${on.name}: AUTH_RATE_LIMITED`)
    const retryAfter = retryAfterOf(answer)
    t.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 15 * 60, `${on.name}: Retry-After ${retryAfter} is within the 15-minute window`)
  }
  t.equal((await tryLogin(b, 'bystander')).status, 200, 'another username still logs in: the limit is per username')
})

t.test('per-IP request limits count requests on A and B together', async (t) => {
  const client = newClientIp()
  // An unknown token: cheap for the server, and a stable non-429 answer while under the limit.
  const unknownToken = 'rt_' + 'A'.repeat(119)
  for (const [index, on] of [a, b, a, b, a].entries()) {
    const answer = await refresh(on, unknownToken, client)
    t.equal(codeOf(answer), 'AUTH_REFRESH_INVALID', `request ${index + 1} (on ${on.name}) is served`)
  }
  for (const [index, on] of [b, a].entries()) {
    const answer = await refresh(on, unknownToken, client)
    t.equal(answer.status, 429, `request ${RATE_LIMIT_PER_MINUTE + 1 + index} (on ${on.name}) is over the shared limit`)
    t.equal(codeOf(answer), 'AUTH_RATE_LIMITED', `${on.name}: AUTH_RATE_LIMITED`)
    const retryAfter = retryAfterOf(answer)
    t.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 60, `${on.name}: Retry-After ${retryAfter} is within the minute`)
  }
  t.equal(codeOf(await refresh(b, unknownToken)), 'AUTH_REFRESH_INVALID', 'another client address is still served')
  const otherRoute = await call(a, '/auth/sessions', { ip: client })
  t.equal(codeOf(otherRoute), 'AUTH_TOKEN_MISSING', 'another /auth route keeps its own count for the same address')
})
