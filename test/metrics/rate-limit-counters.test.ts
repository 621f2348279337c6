// rotor_rate_limited_total moves by exactly the 429s the per-IP limit gave, on the series of each
// route's pattern, whichever way the route counts (a hook before the handler, or in the route's own
// store call for login and refresh); a per-IP refusal of a login counts as a throttled login, and a
// refused refresh is no refresh result (docs/metrics.md).
import t from 'tap'
import { buildTestApp, register } from '../helpers/app.js'
import { moved, scrape } from '../helpers/metrics.js'

const LIMIT = 2
const SETUP_IP = '198.51.100.1'
const CLIENT_IP = '203.0.113.5'
const PASSWORD = 'correct horse battery'

const app = await buildTestApp(t, { METRICS_PORT: '0', RATE_LIMIT_PER_MINUTE: String(LIMIT) })
await register(app, 'limited', PASSWORD)
const setupLogin = await app.inject({ method: 'POST', url: '/auth/login', remoteAddress: SETUP_IP, headers: { 'x-token-transport': 'body' }, payload: { username: 'limited', password: PASSWORD } })
const { accessToken } = setupLogin.json() as { accessToken: string }
const bearer = { authorization: `Bearer ${accessToken}` }

t.test('one 429 on each route moves its own series by one', async (t) => {
  const requests = {
    '/auth/register': { method: 'POST', url: '/auth/register', payload: { username: 'ab', password: PASSWORD } },
    '/auth/login': { method: 'POST', url: '/auth/login', payload: { username: 'limited', password: 'not the password' } },
    '/auth/refresh': { method: 'POST', url: '/auth/refresh', payload: { refreshToken: 'rt_' + 'A'.repeat(119) } },
    '/auth/sessions/:id': { method: 'DELETE', url: '/auth/sessions/', headers: bearer }
  } as const
  const before = await scrape(app)
  for (const [route, request] of Object.entries(requests)) {
    const statuses: number[] = []
    for (let i = 0; i <= LIMIT; i++) {
      // Another session id each time: the limit counts the route's pattern, not its URL.
      const url = route === '/auth/sessions/:id' ? `${request.url}no-such-session-${i}` : request.url
      statuses.push((await app.inject({ ...request, url, remoteAddress: CLIENT_IP })).statusCode)
    }
    t.equal(statuses.filter((status) => status === 429).length, 1, `${route}: ${statuses.join(', ')}: only the last was over the limit`)
    t.equal(statuses.at(-1), 429)
  }
  const after = await scrape(app)
  for (const route of Object.keys(requests)) {
    t.equal(moved(before, after, 'rotor_rate_limited_total', { route }), 1, `${route}: exactly one refusal counted`)
  }
  t.equal(moved(before, after, 'rotor_rate_limited_total', { route: '/auth/logout' }), 0, 'an untouched route stays put')
  t.equal(moved(before, after, 'rotor_logins_total', { result: 'throttled' }), 1, 'the per-IP refusal of a login is a throttled login')
  t.equal(moved(before, after, 'rotor_logins_total', { result: 'wrong_password' }), LIMIT, 'the two checked guesses')
  t.equal(moved(before, after, 'rotor_refreshes_total', { result: 'invalid' }), LIMIT, 'the two refreshes let through')
  for (const result of ['rotated', 'grace_replay', 'reused']) {
    t.equal(moved(before, after, 'rotor_refreshes_total', { result }), 0, `the refused refresh is no ${result}`)
  }
})

t.test('a forged refresh cookie over the limit: 429, the cookie kept, no refresh result', async (t) => {
  const ip = '192.0.2.77'
  const forged = { method: 'POST', url: '/auth/refresh', remoteAddress: ip, headers: { cookie: `__Secure-refresh_token=rt_${'B'.repeat(119)}`, 'x-requested-with': 'fetch' } } as const
  const before = await scrape(app)
  for (let i = 0; i < LIMIT; i++) {
    const response = await app.inject(forged)
    t.equal(response.statusCode, 401, 'under the limit: invalid')
    t.match(String(response.headers['set-cookie']), /Max-Age=0/, 'and the dead cookie is cleared')
  }
  const refused = await app.inject(forged)
  t.equal(refused.statusCode, 429)
  t.equal(refused.headers['set-cookie'], undefined, 'a 429 never clears the cookie (docs/http-api.md)')
  const after = await scrape(app)
  t.equal(moved(before, after, 'rotor_refreshes_total', { result: 'invalid' }), LIMIT, 'the 429 is not counted as invalid')
  t.equal(moved(before, after, 'rotor_rate_limited_total', { route: '/auth/refresh' }), 1)
})
