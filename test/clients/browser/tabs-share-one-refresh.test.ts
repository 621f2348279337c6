// Tabs of one origin make one refresh between them: three tabs whose token falls due at the same
// moment (their clocks jump together, as when a sleeping laptop wakes) send one POST /auth/refresh,
// and all three end up with its token. A tab that cannot get the lock (another holds it and hangs)
// refreshes by itself after its bounded wait.
import t from 'tap'
import type { Page } from 'playwright-core'
import { launchChromium, newContext } from '../../helpers/chromium.js'
import { clientPageFiles, login, openClientPage, record, waitFor } from '../../helpers/client-page.js'
import { startRotorOrigin } from '../../helpers/rotor-origin.js'

const PASSWORD = 'correct horse battery'
/** Long enough that no refresh falls due while the tabs open (which takes seconds on a loaded machine). */
const TTL_S = 30

const origin = await startRotorOrigin(t, { env: { ACCESS_TOKEN_TTL: String(TTL_S) }, files: await clientPageFiles() })
const browser = await launchChromium(t)

const lastToken = async (page: Page): Promise<string | null | undefined> => (await record(page)).tokens.at(-1)
const refreshesSince = (before: number): Array<number | undefined> =>
  origin.requests().slice(before).filter((r) => r.method === 'POST' && r.path === '/auth/refresh').map((r) => r.status)

t.test('three tabs whose token falls due together make one refresh, and all get its token', async (t) => {
  await origin.register('threetabs', PASSWORD)
  const context = await newContext(t, browser)
  // One clock for the context's tabs (Playwright fakes time per context), running normally for now.
  await context.clock.install()
  const tabs: Page[] = []
  for (let i = 0; i < 3; i++) {
    const page = await openClientPage(context, origin.url)
    if (i === 0) await login(page, 'threetabs', PASSWORD)
    tabs.push(page)
  }
  // The second and third tab restored the session on load; each refresh's token reached every tab.
  let shared: string | null | undefined
  await waitFor('the three tabs to hold one token', async () => {
    const tokens = await Promise.all(tabs.map(lastToken))
    shared = tokens[0]
    return typeof shared === 'string' && tokens.every((token) => token === shared)
  })

  await context.clock.pauseAt(Date.now() + 500)
  const before = origin.requests().length
  const recorded = await Promise.all(tabs.map(async (page) => (await record(page)).tokens.length))
  // Past the token's refresh time (and its expiry) in all three tabs at once: each tab's timer fires.
  await context.clock.fastForward(TTL_S * 1000)
  await context.clock.resume()

  let next: string | null | undefined
  await waitFor('every tab to hold a new token', async () => {
    const tokens = await Promise.all(tabs.map(lastToken))
    next = tokens[0]
    return typeof next === 'string' && next !== shared && tokens.every((token) => token === next)
  })
  await waitFor('Rotor to log the refresh', () => refreshesSince(before).some((status) => status !== undefined))
  const refreshes = refreshesSince(before)
  t.comment(`Rotor saw ${refreshes.length} POST /auth/refresh for three tabs (statuses ${refreshes.join(', ')})`)
  t.same(refreshes, [200], 'one refresh for the three tabs')
  for (const [i, page] of tabs.entries()) {
    t.same((await record(page)).tokens.slice(recorded[i]), [next], `tab ${i + 1} took the new token, and no other`)
  }
})

t.test('a tab that cannot get the lock refreshes by itself after its bounded wait', async (t) => {
  await origin.register('hunglock', PASSWORD)
  const context = await newContext(t, browser)
  const first = await openClientPage(context, origin.url)
  await login(first, 'hunglock', PASSWORD)
  // A tab that takes the client's lock and never lets go (the lock's name is in clients/browser/README.md).
  const lockName = `rotor ${origin.url}`
  const lockHeld = async (): Promise<boolean> => await first.evaluate((name) => globalThis.rotorTest.locks.isHeld(name), lockName)
  await first.evaluate((name) => { globalThis.rotorTest.locks.hold(name) }, lockName)
  await waitFor('the lock to be held', lockHeld)

  const before = origin.requests().length
  const second = await openClientPage(context, origin.url, '?lockWaitMs=1000')
  const { restored } = await record(second)
  t.type(restored, 'string', 'the new tab restored the session without the lock')
  await waitFor('Rotor to log the refresh', () => refreshesSince(before).some((status) => status !== undefined))
  t.same(refreshesSince(before), [200], 'with one refresh')
  t.ok(await lockHeld(), 'while the lock was still held')
})
