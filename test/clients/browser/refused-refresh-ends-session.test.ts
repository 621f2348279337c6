// A refresh Rotor refuses for good ends the session, once, with no second try: a refresh token
// presented after it was spent twice (401 AUTH_REFRESH_REUSED), and the refresh token of a session
// revoked from another device (401 AUTH_REFRESH_INVALID).
import t, { type Test } from 'tap'
import type { BrowserContext, Page } from 'playwright-core'
import { launchChromium, newContext } from '../../helpers/chromium.js'
import { clientPageFiles, loggedInTab, record, refreshNow, waitFor } from '../../helpers/client-page.js'
import { startRotorOrigin } from '../../helpers/rotor-origin.js'
import { httpRequest } from '../../helpers/server-process.js'

const PASSWORD = 'correct horse battery'
/** Refreshes happen when a test moves the page's clock past this, never on their own. */
const TTL_S = 120

const origin = await startRotorOrigin(t, { env: { ACCESS_TOKEN_TTL: String(TTL_S) }, files: await clientPageFiles() })
const browser = await launchChromium(t)

const refreshesSince = (before: number): Array<number | undefined> =>
  origin.requests().slice(before).filter((r) => r.method === 'POST' && r.path === '/auth/refresh').map((r) => r.status)

/** Moves the clock past the refresh time, expects the session to end with `reason`, then checks nothing tries again. */
async function endsWithoutRetry (t: Test, context: BrowserContext, page: Page, reason: string): Promise<void> {
  const before = origin.requests().length
  await context.clock.fastForward(TTL_S * 1000)
  await waitFor('the session to end', async () => (await record(page)).sessionEnds.length > 0)
  t.same((await record(page)).sessionEnds.map((end) => end.reason), [reason], `the session ended: ${reason}`)

  // Past another refresh time, then a call: a client still trying would have sent a refresh by now.
  await context.clock.fastForward(TTL_S * 1000)
  t.equal(await page.evaluate(() => globalThis.rotorTest.rotor.fetch('/api/me').then((response) => response.status)), 401, 'calls go without a token')
  await waitFor('Rotor to log the call', () => origin.requests().slice(before).some((r) => r.path === '/api/me' && r.status !== undefined))
  t.comment(`Rotor saw POST /auth/refresh ${refreshesSince(before).join(', ')} for ${reason}`)
  t.same(refreshesSince(before), [401], 'one refresh, refused, and no retry')
  t.equal((await record(page)).sessionEnds.length, 1, 'the session ended once')
}

t.test('a reused refresh token (AUTH_REFRESH_REUSED) ends the session, with no second try', async (t) => {
  await origin.register('reuse', PASSWORD)
  const context = await newContext(t, browser)
  const page = await loggedInTab(context, origin.url, 'reuse', PASSWORD)
  const cookies = await context.cookies()
  const spent = cookies.find((cookie) => cookie.name.endsWith('refresh_token'))
  if (spent === undefined) throw new Error(`no refresh cookie in ${JSON.stringify(cookies.map((c) => c.name))}`)
  t.ok(spent.httpOnly, 'the refresh cookie is HttpOnly')
  await refreshNow(context, page, TTL_S)
  await refreshNow(context, page, TTL_S)
  // The login's refresh token, spent two rotations ago, comes back as if it had been stolen and replayed.
  await context.addCookies([spent])
  await endsWithoutRetry(t, context, page, 'AUTH_REFRESH_REUSED')
})

t.test('a session revoked from another device (AUTH_REFRESH_INVALID) ends at its next refresh, with no second try', async (t) => {
  await origin.register('revoked', PASSWORD)
  const context = await newContext(t, browser)
  const page = await loggedInTab(context, origin.url, 'revoked', PASSWORD)
  // Another device of the user lists the sessions and revokes the browser's.
  const device = await httpRequest(`${origin.rotorUrl}/auth/login`, { method: 'POST', headers: { 'x-token-transport': 'body' }, body: { username: 'revoked', password: PASSWORD } })
  const bearer = { authorization: `Bearer ${device.json<{ accessToken: string }>().accessToken}` }
  const { sessions } = (await httpRequest(`${origin.rotorUrl}/auth/sessions`, { headers: bearer })).json<{ sessions: Array<{ id: string, current: boolean }> }>()
  const browserSession = sessions.find((session) => !session.current)
  if (browserSession === undefined) throw new Error('no session but the device\'s own')
  t.equal((await httpRequest(`${origin.rotorUrl}/auth/sessions/${browserSession.id}`, { method: 'DELETE', headers: bearer })).status, 204, 'revoked')
  await endsWithoutRetry(t, context, page, 'AUTH_REFRESH_INVALID')
})
