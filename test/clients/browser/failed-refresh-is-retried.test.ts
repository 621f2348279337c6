// A refresh that fails is tried again, with back-off, and the session lives on: Rotor stopped for
// 5 s as a refresh goes out (the page's server answers 502 meanwhile), and Rotor's store frozen for
// 5 s (Rotor answers 503 AUTH_STORE_UNAVAILABLE).
import t, { type Test } from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import type { BrowserContext, Page } from 'playwright-core'
import { launchChromium, newContext } from '../../helpers/chromium.js'
import { clientPageFiles, loggedInTab, record, refreshNow } from '../../helpers/client-page.js'
import { startRotorOrigin } from '../../helpers/rotor-origin.js'

const PASSWORD = 'correct horse battery'
/** Refreshes happen when a test moves the page's clock past this, never on their own. */
const TTL_S = 120
const OUTAGE_MS = 5000

const origin = await startRotorOrigin(t, { env: { ACCESS_TOKEN_TTL: String(TTL_S) }, files: await clientPageFiles() })
const browser = await launchChromium(t)

const refreshesSince = (before: number): Array<number | undefined> =>
  origin.requests().slice(before).filter((r) => r.method === 'POST' && r.path === '/auth/refresh').map((r) => r.status)

/**
 * Starts `outage` as the tab's next refresh goes out and ends it OUTAGE_MS later; returns the
 * statuses the page saw for POST /auth/refresh and those Rotor logged, once the tab has a new token.
 */
async function refreshThrough (t: Test, username: string, outage: { start (): Promise<void>, end (): Promise<void> }): Promise<{ page: Page, seen: number[], logged: Array<number | undefined> }> {
  await origin.register(username, PASSWORD)
  const context: BrowserContext = await newContext(t, browser)
  const page = await loggedInTab(context, origin.url, username, PASSWORD)
  const seen: number[] = []
  page.on('response', (response) => { if (response.url().endsWith('/auth/refresh')) seen.push(response.status()) })
  let ended: Promise<void> | undefined
  await context.route('**/auth/refresh', async (route) => {
    if (ended === undefined) {
      await outage.start()
      ended = sleep(OUTAGE_MS).then(() => outage.end())
    }
    await route.continue()
  })
  const before = origin.requests().length
  await refreshNow(context, page, TTL_S)
  await ended
  return { page, seen, logged: refreshesSince(before) }
}

async function sessionLivesOn (t: Test, page: Page): Promise<void> {
  t.same((await record(page)).sessionEnds, [], 'the session did not end')
  t.equal(await page.evaluate(() => globalThis.rotorTest.rotor.fetch('/api/me').then((response) => response.status)), 200, 'calls succeed again')
}

t.test('Rotor stopped for 5 s as a refresh goes out: the client retries and the session survives', async (t) => {
  const { page, seen, logged } = await refreshThrough(t, 'stopped', { start: origin.stopRotor, end: origin.startRotor })
  t.comment(`the page saw POST /auth/refresh answered ${seen.join(', ')}; Rotor logged ${logged.join(', ')}`)
  t.ok(seen.length >= 2, 'the client tried more than once')
  t.ok(seen.slice(0, -1).every((status) => status === 502), 'every try before the last met the stopped Rotor (the proxy answered 502)')
  t.equal(seen.at(-1), 200, 'the last try succeeded')
  t.same(logged, [200], 'Rotor, once back, saw one refresh')
  await sessionLivesOn(t, page)
})

t.test('Rotor\'s store frozen for 5 s as a refresh goes out (503): the client retries and the session survives', async (t) => {
  const outage = { start: async () => { origin.redis.freeze() }, end: async () => { origin.redis.thaw() } }
  const { page, seen, logged } = await refreshThrough(t, 'frozen', outage)
  t.comment(`the page saw POST /auth/refresh answered ${seen.join(', ')}; Rotor logged ${logged.join(', ')}`)
  t.ok(seen.length >= 2, 'the client tried more than once')
  t.ok(seen.slice(0, -1).every((status) => status === 503), 'every try before the last was answered 503 by Rotor')
  t.equal(seen.at(-1), 200, 'the last try succeeded')
  t.same(logged, seen, 'Rotor answered each try')
  await sessionLivesOn(t, page)
})
