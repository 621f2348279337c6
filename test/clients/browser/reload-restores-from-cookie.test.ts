// The access token lives in the page's memory only: a reload loses it and the page gets it back with
// one refresh through the HttpOnly cookie. Nothing a script of the origin can read (web storage,
// document.cookie, IndexedDB, Cache Storage) ever holds a token, checked from the page itself.
import t from 'tap'
import { launchChromium, newContext } from '../../helpers/chromium.js'
import { clientPageFiles, login, openClientPage, record, waitFor, waitUntilRestored } from '../../helpers/client-page.js'
import { startRotorOrigin } from '../../helpers/rotor-origin.js'

const PASSWORD = 'correct horse battery'

const origin = await startRotorOrigin(t, { files: await clientPageFiles() })
const browser = await launchChromium(t)

t.test('a reload restores the session with one refresh, and no token is anywhere a script can read', async (t) => {
  await origin.register('reload', PASSWORD)
  const context = await newContext(t, browser)
  const page = await openClientPage(context, origin.url)
  await login(page, 'reload', PASSWORD)
  const beforeReload = (await record(page)).tokens.at(-1)
  if (typeof beforeReload !== 'string') throw new Error('no token after login')
  const refreshCookie = (await context.cookies()).find((cookie) => cookie.name.endsWith('refresh_token'))
  t.ok(refreshCookie?.httpOnly, 'the browser holds an HttpOnly refresh cookie')

  const before = origin.requests().length
  await page.reload()
  await waitUntilRestored(page)
  const { restored } = await record(page)
  t.type(restored, 'string', 'the reloaded page restored the session')
  t.not(restored, beforeReload, 'with the token of its own refresh')
  t.equal(await page.evaluate(() => globalThis.rotorTest.rotor.fetch('/api/me').then((response) => response.status)), 200, 'and calls succeed')
  await waitFor('Rotor to log the call', () => origin.requests().slice(before).some((r) => r.path === '/api/me' && r.status !== undefined))
  const refreshes = origin.requests().slice(before).filter((r) => r.method === 'POST' && r.path === '/auth/refresh').map((r) => r.status)
  t.comment(`Rotor saw ${refreshes.length} POST /auth/refresh for the reload (${refreshes.join(', ')})`)
  t.same(refreshes, [200], 'one refresh')

  const storage = await page.evaluate(() => globalThis.rotorTest.readableStorage())
  t.same(storage, { localStorage: [], sessionStorage: [], cookie: '', indexedDB: [], caches: [] }, 'nothing is stored where a script can read it')
  const seen = JSON.stringify(storage)
  for (const token of [beforeReload, restored as string, refreshCookie?.value ?? '']) t.notOk(seen.includes(token), 'no token in what a script can read')
})
