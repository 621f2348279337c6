// A refresh that fails is tried again; a refresh Rotor refuses for good ends the session. Rotor
// stopped for 5 s as a refresh goes out: the client backs off and retries, and the session lives
// on. A refresh token presented after it was spent twice (401 AUTH_REFRESH_REUSED): the session
// ends, once, with no second try.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import type { BrowserContext, Page } from 'playwright-core'
import { launchChromium, newContext } from '../../helpers/chromium.js'
import { clientPageFiles, login, openClientPage, record, waitFor } from '../../helpers/client-page.js'
import { startRotorOrigin } from '../../helpers/rotor-origin.js'

const PASSWORD = 'correct horse battery'
/** Refreshes happen when a test moves the page's clock past this, never on their own. */
const TTL_S = 120
const OUTAGE_MS = 5000

const origin = await startRotorOrigin(t, { env: { ACCESS_TOKEN_TTL: String(TTL_S) }, files: await clientPageFiles() })
const browser = await launchChromium(t)

const refreshesSince = (before: number): Array<number | undefined> =>
  origin.requests().slice(before).filter((r) => r.method === 'POST' && r.path === '/auth/refresh').map((r) => r.status)
const lastToken = async (page: Page): Promise<string | null | undefined> => (await record(page)).tokens.at(-1)

/** A context whose clock the test moves, and a tab in it logged in as `username`. */
async function loggedInTab (context: BrowserContext, username: string): Promise<Page> {
  await origin.register(username, PASSWORD)
  await context.clock.install()
  const page = await openClientPage(context, origin.url)
  await login(page, username, PASSWORD)
  return page
}

/** Moves the tab's clock past its token's refresh time and waits for the token that refresh brings. */
async function refreshNow (context: BrowserContext, page: Page): Promise<string> {
  const old = await lastToken(page)
  await context.clock.fastForward(TTL_S * 1000)
  let next: string | null | undefined
  await waitFor('a new token', async () => {
    next = await lastToken(page)
    return typeof next === 'string' && next !== old
  })
  return next as string
}

t.test('Rotor stopped for 5 s as a refresh goes out: the client retries and the session survives', async (t) => {
  const context = await newContext(t, browser)
  const page = await loggedInTab(context, 'outage')
  const attempts: number[] = []
  page.on('response', (response) => { if (response.url().endsWith('/auth/refresh')) attempts.push(response.status()) })

  let restarted: Promise<void> | undefined
  await context.route('**/auth/refresh', async (route) => {
    if (restarted === undefined) {
      await origin.stopRotor()
      restarted = sleep(OUTAGE_MS).then(() => origin.startRotor())
    }
    await route.continue()
  })
  const before = origin.requests().length
  await refreshNow(context, page)
  await restarted

  t.comment(`the page saw POST /auth/refresh answered ${attempts.join(', ')}; Rotor logged ${refreshesSince(before).join(', ')}`)
  t.ok(attempts.length >= 2, 'the client tried more than once')
  t.ok(attempts.slice(0, -1).every((status) => status === 502), 'every try before the last met the stopped Rotor (the proxy answered 502)')
  t.equal(attempts.at(-1), 200, 'the last try succeeded')
  t.same(refreshesSince(before), [200], 'Rotor, once back, saw one refresh')
  t.same((await record(page)).sessionEnds, [], 'the session did not end')
  t.equal(await page.evaluate(() => globalThis.rotorTest.rotor.fetch('/api/me').then((response) => response.status)), 200, 'calls succeed again')
})

t.test('a reused refresh token (AUTH_REFRESH_REUSED) ends the session, with no second try', async (t) => {
  const context = await newContext(t, browser)
  const page = await loggedInTab(context, 'reuse')
  const cookies = await context.cookies()
  const spent = cookies.find((cookie) => cookie.name.endsWith('refresh_token'))
  if (spent === undefined) throw new Error(`no refresh cookie in ${JSON.stringify(cookies.map((c) => c.name))}`)
  t.ok(spent.httpOnly, 'the refresh cookie is HttpOnly')
  await refreshNow(context, page)
  await refreshNow(context, page)
  // The login's refresh token, spent two rotations ago, comes back as if it had been stolen and replayed.
  await context.addCookies([spent])

  const before = origin.requests().length
  await context.clock.fastForward(TTL_S * 1000)
  await waitFor('the session to end', async () => (await record(page)).sessionEnds.length > 0)
  t.same((await record(page)).sessionEnds.map((end) => end.reason), ['AUTH_REFRESH_REUSED'], 'the session ended, as a reuse')

  // Past another refresh time, then a call: a client still trying would have sent a refresh by now.
  await context.clock.fastForward(TTL_S * 1000)
  t.equal(await page.evaluate(() => globalThis.rotorTest.rotor.fetch('/api/me').then((response) => response.status)), 401, 'calls go without a token')
  await waitFor('Rotor to log the call', () => origin.requests().slice(before).some((r) => r.path === '/api/me' && r.status !== undefined))
  t.same(refreshesSince(before), [401], 'one refresh, refused, and no retry')
  t.equal((await record(page)).sessionEnds.length, 1, 'the session ended once')
})
