// A session's end reaches every tab once: a logout in one tab ends the session in the other two
// within a second; a logout-all from another browser ends it in every tab at its next call
// (401 AUTH_SESSION_ENDED), and no tab tries to refresh after either.
import t, { type Test } from 'tap'
import type { BrowserContext, Page } from 'playwright-core'
import { launchChromium, newContext } from '../../helpers/chromium.js'
import { clientPageFiles, login, openClientPage, record, waitFor } from '../../helpers/client-page.js'
import { startRotorOrigin } from '../../helpers/rotor-origin.js'

const PASSWORD = 'correct horse battery'
/** No refresh falls due on its own during a test. */
const TTL_S = 120

const origin = await startRotorOrigin(t, { env: { ACCESS_TOKEN_TTL: String(TTL_S) }, files: await clientPageFiles() })
const browser = await launchChromium(t)

const refreshesSince = (before: number): number =>
  origin.requests().slice(before).filter((r) => r.method === 'POST' && r.path === '/auth/refresh').length

async function fetchStatus (page: Page, path: string): Promise<number> {
  return await page.evaluate((url) => globalThis.rotorTest.rotor.fetch(url).then((response) => response.status), path)
}

/** Three tabs of one context in one session: the first logs in, the others restore it on load. */
async function threeTabs (t: Test, context: BrowserContext, username: string): Promise<Page[]> {
  const tabs: Page[] = []
  for (let i = 0; i < 3; i++) {
    const page = await openClientPage(context, origin.url)
    if (i === 0) await login(page, username, PASSWORD)
    tabs.push(page)
  }
  for (const page of tabs) t.equal(await fetchStatus(page, '/api/me'), 200, 'each tab is in the session')
  return tabs
}

t.test('logout in one tab ends the session in the other two within a second, once', async (t) => {
  await origin.register('logoutone', PASSWORD)
  const context = await newContext(t, browser)
  const [a, b, c] = await threeTabs(t, context, 'logoutone') as [Page, Page, Page]

  const before = origin.requests().length
  const loggedOutAt = await a.evaluate(async () => {
    await globalThis.rotorTest.rotor.logout()
    return Date.now()
  })
  await waitFor('tabs B and C to hear of the logout', async () =>
    (await record(b)).sessionEnds.length > 0 && (await record(c)).sessionEnds.length > 0)

  for (const [name, page] of [['A', a], ['B', b], ['C', c]] as const) {
    t.equal(await fetchStatus(page, '/api/me'), 401, `tab ${name}'s next call goes without a token`)
    t.equal(await page.evaluate(() => globalThis.rotorTest.rotor.getAccessToken()), null, `tab ${name} has no token`)
    const { sessionEnds, tokens } = await record(page)
    t.same(sessionEnds.map((end) => end.reason), ['logout'], `tab ${name} heard of the end once, as a logout`)
    t.equal(tokens.at(-1), null, `tab ${name} dropped its token`)
    const delay = (sessionEnds[0]?.at ?? Infinity) - loggedOutAt
    t.comment(`tab ${name}: onSessionEnd ${delay} ms after logout() resolved in tab A`)
    t.ok(delay <= 1000, `tab ${name} heard within 1 s (${delay} ms)`)
  }
  await waitFor('Rotor to log the calls after the logout', () =>
    origin.requests().slice(before).filter((r) => r.path === '/api/me' && r.status !== undefined).length >= 3)
  t.equal(origin.count('POST', '/auth/logout', 204), 1, 'one logout reached Rotor')
  t.equal(refreshesSince(before), 0, 'no tab tried to refresh')
})

t.test('logout-all from another browser ends the session in every tab at its next call', async (t) => {
  await origin.register('logoutall', PASSWORD)
  const context = await newContext(t, browser)
  // The context's clock runs normally until the end, where it jumps past the tokens' refresh time.
  await context.clock.install()
  const tabs = await threeTabs(t, context, 'logoutall')

  const elsewhere = await newContext(t, browser)
  const other = await openClientPage(elsewhere, origin.url)
  await login(other, 'logoutall', PASSWORD)
  await other.evaluate(() => globalThis.rotorTest.rotor.logoutAll())
  t.same((await record(other)).sessionEnds.map((end) => end.reason), ['logout-all'], 'the other browser ended its own session')

  const before = origin.requests().length
  for (const [i, page] of tabs.entries()) {
    const status = await fetchStatus(page, '/api/me')
    t.equal(status, 401, `tab ${i + 1}'s next call is refused`)
    t.same((await record(page)).sessionEnds.map((end) => end.reason), ['AUTH_SESSION_ENDED'], `tab ${i + 1} heard of the end, once`)
  }
  const answered = await Promise.all(tabs.map((page) => page.evaluate(() => globalThis.rotorTest.rotor.getAccessToken())))
  t.same(answered, [null, null, null], 'no tab has a token')

  // Past the old tokens' refresh time: a timer left behind would refresh now. The calls after it
  // leave each tab after anything the jump started.
  await context.clock.fastForward(TTL_S * 1000)
  for (const page of tabs) await fetchStatus(page, '/api/me')
  await waitFor('Rotor to log every call', () =>
    origin.requests().slice(before).filter((r) => r.path === '/api/me' && r.status !== undefined).length >= 6)
  const calls = origin.requests().slice(before).filter((r) => r.path === '/api/me').map((r) => r.status)
  t.comment(`after logout-all elsewhere, Rotor saw GET /api/me ${calls.join(', ')} and ${refreshesSince(before)} POST /auth/refresh`)
  t.equal(refreshesSince(before), 0, 'no tab tried to refresh: no refresh loop')
  for (const [i, page] of tabs.entries()) t.equal((await record(page)).sessionEnds.length, 1, `tab ${i + 1} heard of the end only once`)
})
