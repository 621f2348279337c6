// Twenty calls that all find the access token expired share one POST /auth/refresh, and every one is
// sent again with the new token: 20 x 401 AUTH_TOKEN_EXPIRED, 1 refresh, 20 x 200, counted by Rotor.
import t from 'tap'
import { launchChromium, newContext } from '../../helpers/chromium.js'
import { accessToken, clientPageFiles, login, openClientPage, record, waitFor } from '../../helpers/client-page.js'
import { httpRequest } from '../../helpers/server-process.js'
import { startRotorOrigin } from '../../helpers/rotor-origin.js'

const USERNAME = 'parallel'
const PASSWORD = 'correct horse battery'
const CALLS = 20

const origin = await startRotorOrigin(t, { env: { ACCESS_TOKEN_TTL: '2' }, files: await clientPageFiles() })
const browser = await launchChromium(t)
await origin.register(USERNAME, PASSWORD)

t.test(`${CALLS} parallel calls with an expired token make one refresh and all succeed`, async (t) => {
  const context = await newContext(t, browser)
  // The page's clock stands still, as in a frozen tab: no timer runs (so no refresh ahead of
  // expiry), and Date.now() does not move, so the client takes for valid a token Rotor calls expired.
  await context.clock.install()
  const page = await openClientPage(context, origin.url)
  await context.clock.pauseAt(Date.now() + 100)
  await login(page, USERNAME, PASSWORD)
  const expired = await accessToken(page)
  if (expired === null) throw new Error('no token after login')
  await waitFor('Rotor to call the token expired', async () => {
    const answer = await httpRequest(`${origin.rotorUrl}/auth/sessions`, { headers: { authorization: `Bearer ${expired}` } })
    return answer.status === 401 && answer.json().code === 'AUTH_TOKEN_EXPIRED'
  })

  const before = origin.requests().length
  const statuses = await page.evaluate((calls) => Promise.all(
    Array.from({ length: calls }, () => globalThis.rotorTest.rotor.fetch('/api/me').then((response) => response.status))
  ), CALLS)
  t.same(statuses, Array(CALLS).fill(200), `all ${CALLS} calls answered 200`)

  const since = (): Array<{ method: string, path: string, status: number | undefined }> => origin.requests().slice(before)
  // Rotor writes a request's line as it answers; the browser may see the answer first.
  await waitFor('Rotor to log every call', () => since().filter((r) => r.path === '/api/me' && r.status !== undefined).length >= 2 * CALLS)
  const refreshes = since().filter((r) => r.method === 'POST' && r.path === '/auth/refresh')
  const calls = since().filter((r) => r.method === 'GET' && r.path === '/api/me')
  t.comment(`Rotor saw: ${refreshes.length} POST /auth/refresh (${refreshes.map((r) => r.status).join(', ')}), ` +
    `GET /api/me ${calls.filter((r) => r.status === 401).length} x 401 and ${calls.filter((r) => r.status === 200).length} x 200`)
  t.equal(refreshes.length, 1, 'exactly one POST /auth/refresh')
  t.equal(refreshes[0]?.status, 200, 'and it succeeded')
  t.equal(calls.filter((r) => r.status === 401).length, CALLS, `${CALLS} calls were refused with the expired token`)
  t.equal(calls.filter((r) => r.status === 200).length, CALLS, `${CALLS} calls succeeded with the new one`)
  t.equal(calls.length, 2 * CALLS, 'each call was sent again exactly once')

  const { tokens, sessionEnds } = await record(page)
  t.not(tokens.at(-1), expired, 'the page holds the new token')
  t.same(sessionEnds, [], 'the session did not end')
})
