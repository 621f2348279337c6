// Timers do not run in a frozen tab, so a tab that comes back (visibilitychange, or pageshow from the
// back/forward cache) looks at the clock itself and, past its refresh time, refreshes at once. The
// tab's clock moves as a frozen tab's does, with no timer firing; nothing refreshes until the event.
import t, { type Test } from 'tap'
import { launchChromium, newContext } from '../../helpers/chromium.js'
import { clientPageFiles, login, openClientPage, record, waitFor } from '../../helpers/client-page.js'
import { startRotorOrigin } from '../../helpers/rotor-origin.js'

const PASSWORD = 'correct horse battery'
const TTL_S = 120

const origin = await startRotorOrigin(t, { env: { ACCESS_TOKEN_TTL: String(TTL_S) }, files: await clientPageFiles() })
const browser = await launchChromium(t)

const requestsSince = (before: number, method: string, path: string): Array<number | undefined> =>
  origin.requests().slice(before).filter((r) => r.method === method && r.path === path).map((r) => r.status)

async function comesBackAfterFreezing (t: Test, username: string, eventName: 'visibilitychange' | 'pageshow'): Promise<void> {
  await origin.register(username, PASSWORD)
  const context = await newContext(t, browser)
  await context.clock.install()
  const page = await openClientPage(context, origin.url)
  await login(page, username, PASSWORD)
  await context.clock.pauseAt(Date.now() + 500)
  const before = origin.requests().length
  const tokens = (await record(page)).tokens.length
  // Frozen past the token's refresh time (and expiry): Date.now() moves, no timer runs.
  await context.clock.setSystemTime(Date.now() + TTL_S * 1000)
  await page.evaluate(() => globalThis.rotorTest.ping())
  await waitFor('Rotor to log the ping', () => requestsSince(before, 'GET', '/api/me').some((status) => status !== undefined))
  t.same(requestsSince(before, 'POST', '/auth/refresh'), [], 'no refresh while the tab is frozen')

  await page.evaluate((name) => { globalThis.rotorTest.comeBack(name) }, eventName)
  await waitFor('a new token', async () => (await record(page)).tokens.length > tokens)
  await waitFor('Rotor to log the refresh', () => requestsSince(before, 'POST', '/auth/refresh').some((status) => status !== undefined))
  t.same(requestsSince(before, 'POST', '/auth/refresh'), [200], `one refresh on ${eventName}`)
}

t.test('a tab made visible again refreshes a token past its refresh time', async (t) => {
  await comesBackAfterFreezing(t, 'visible', 'visibilitychange')
})

t.test('a page shown again from the back/forward cache refreshes a token past its refresh time', async (t) => {
  await comesBackAfterFreezing(t, 'pageshow', 'pageshow')
})
