// docs/http-api.md, SESSIONS_PER_USER_MAX: a login beyond the cap ends the user's least recently
// used session. Its access token is refused (401 AUTH_SESSION_ENDED) and its refresh token too
// (401 AUTH_REFRESH_INVALID); the feed names it with reason `evicted` before the login answers;
// the metrics count it; another user and the user's other sessions go on. On both stores.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, forEachStore, loginBody, register } from '../helpers/app.js'
import { captureLog } from '../helpers/log-capture.js'
import { moved, scrape } from '../helpers/metrics.js'

const PASSWORD = 'correct horse battery'
const FEED_TOKEN = 'eviction-feed-token-0123456789abcdef'
const CAP = 3

interface Tokens { accessToken: string, refreshToken: string }

const sidOf = (accessToken: string): string =>
  JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')).sid as string

async function logIn (app: FastifyInstance, username: string): Promise<Tokens> {
  const answer = await loginBody(app, username, PASSWORD)
  if (answer.statusCode !== 200) throw new Error(`login answered ${answer.statusCode}: ${answer.body}`)
  return answer.json()
}

const me = async (app: FastifyInstance, tokens: Tokens) =>
  await app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${tokens.accessToken}` } })

forEachStore(t, async (t, kind) => {
  t.test(`with SESSIONS_PER_USER_MAX=${CAP}, login ${CAP + 1} ends the least recently used session`, async (t) => {
    const log = captureLog()
    const app = await buildTestApp(t, { SESSIONS_PER_USER_MAX: String(CAP), METRICS_PORT: '0', REVOCATION_FEED_TOKENS: FEED_TOKEN, LOG_LEVEL: 'info' },
      { store: await kind.create(t), logStream: log.stream })
    t.equal((await register(app, 'evicted-user', PASSWORD)).statusCode, 201)
    t.equal((await register(app, 'bystander', PASSWORD)).statusCode, 201)
    const bystander: Tokens[] = []
    for (let i = 0; i < CAP; i++) bystander.push(await logIn(app, 'bystander'))
    const sessions: Tokens[] = []
    for (let i = 0; i < CAP; i++) sessions.push(await logIn(app, 'evicted-user'))
    const [first, second] = sessions as [Tokens, Tokens]
    const before = await scrape(app)

    const latest = await logIn(app, 'evicted-user')

    const ended = await me(app, first)
    t.equal(ended.statusCode, 401, 'the first session\'s access token is refused')
    t.equal(ended.json().code, 'AUTH_SESSION_ENDED')
    const refresh = await app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: first.refreshToken } })
    t.equal(refresh.statusCode, 401, 'and its refresh token')
    t.equal(refresh.json().code, 'AUTH_REFRESH_INVALID')

    for (const [i, live] of [second, sessions[2] as Tokens, latest].entries()) t.equal((await me(app, live)).statusCode, 200, `live session ${i + 1} still works`)
    const listed = await app.inject({ method: 'GET', url: '/auth/sessions', headers: { authorization: `Bearer ${latest.accessToken}` } })
    const ids = (listed.json() as { sessions: Array<{ id: string }> }).sessions.map((session) => session.id)
    t.equal(ids.length, CAP, `the user holds ${CAP} sessions`)
    t.notOk(ids.includes(sidOf(first.accessToken)), 'the evicted one is not listed')
    for (const other of bystander) t.equal((await me(app, other)).statusCode, 200, 'another user at the cap is untouched')

    const feed = await app.inject({ method: 'GET', url: '/auth/revocations', headers: { authorization: `Bearer ${FEED_TOKEN}` } })
    t.equal(feed.statusCode, 200)
    const revocations = (feed.json() as { revocations: Array<{ sid: string, reason: string }> }).revocations
    t.same(revocations.map(({ sid, reason }) => ({ sid, reason })), [{ sid: sidOf(first.accessToken), reason: 'evicted' }], 'the feed names it, reason evicted')

    const after = await scrape(app)
    t.equal(moved(before, after, 'rotor_sessions_ended_total', { reason: 'evicted' }), 1, 'counted as ended by eviction')
    const userId = (JSON.parse(Buffer.from(latest.accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub: string }).sub
    t.match(log.lines().filter((line) => line.event === 'session_evicted'),
      [{ userId, sessionId: sidOf(first.accessToken), bySessionId: sidOf(latest.accessToken), ip: String, userAgent: String }], 'one audit line (docs/audit-events.md)')

    // The survivor refreshed most recently is kept over one never refreshed since its login.
    const refreshed = await app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: second.refreshToken } })
    t.equal(refreshed.statusCode, 200)
    await logIn(app, 'evicted-user')
    t.equal((await me(app, sessions[2] as Tokens)).json().code, 'AUTH_SESSION_ENDED', 'the next login ends the third session, not the refreshed second')
    const secondNow = { accessToken: (refreshed.json() as Tokens).accessToken, refreshToken: '' }
    t.equal((await me(app, secondNow)).statusCode, 200, 'the refreshed session lives')
  })

  t.test('with SESSIONS_PER_USER_MAX=1, a storm of logins answers 200 each and leaves one session', async (t) => {
    const app = await buildTestApp(t, { SESSIONS_PER_USER_MAX: '1' }, { store: await kind.create(t) })
    t.equal((await register(app, 'storm-user', PASSWORD)).statusCode, 201)
    const answers = await Promise.all(Array.from({ length: 20 }, async () => await loginBody(app, 'storm-user', PASSWORD)))
    t.same(answers.map((answer) => answer.statusCode), answers.map(() => 200), 'no login fails, none with a 5xx')
    const live = []
    for (const answer of answers) {
      if ((await me(app, answer.json() as Tokens)).statusCode === 200) live.push(answer)
    }
    t.equal(live.length, 1, 'exactly one session is left')
  })
})
