// Debian's Chromium driven by playwright-core: the browser the browser client is tested in. Never a
// browser downloaded by Playwright (`npx playwright install` cannot reach its servers here).
import { existsSync } from 'node:fs'
import { chromium, type Browser, type BrowserContext } from 'playwright-core'

export const CHROMIUM_PATH = '/usr/bin/chromium'

// Without the background-networking flags Chromium dials Google's hosts at start, which this closed
// network refuses many at a time. Playwright adds --headless and a fresh --user-data-dir itself.
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

interface Teardown { teardown (fn: () => unknown): void }

/**
 * How long one browser step (a navigation, a wait for the page) may take. Playwright's 30 s default
 * is too little on a 2-core machine shared with other test runs, where Chromium, Rotor and the test
 * take turns; a step that is really stuck still fails, a little later.
 */
export const BROWSER_STEP_TIMEOUT_MS = 90_000

/** One Chromium for the test file, closed at teardown. */
export async function launchChromium (t: Teardown): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: install Debian's with \`apt-get install -y chromium\` (.ci/run does when it is missing)`)
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: FLAGS, headless: true })
  t.teardown(async () => { await browser.close() })
  return browser
}

/** A fresh browser context (its own cookies, storage and clock), closed at teardown. */
export async function newContext (t: Teardown, browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext()
  t.teardown(async () => { await context.close() })
  context.setDefaultTimeout(BROWSER_STEP_TIMEOUT_MS)
  return context
}
