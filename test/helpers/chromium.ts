// Debian's Chromium driven by playwright-core: the browser the browser client is tested in. Never a
// browser downloaded by Playwright (`npx playwright install` cannot reach its servers here).
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM_PATH = '/usr/bin/chromium'

// Without the background-networking flags Chromium dials Google's hosts at start, which this closed
// network refuses many at a time. Playwright adds --headless and a fresh --user-data-dir itself.
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** One Chromium for the test file, closed at teardown. */
export async function launchChromium (t: { teardown (fn: () => unknown): void }): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: install Debian's with \`apt-get install -y chromium\` (.ci/run does when it is missing)`)
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: FLAGS, headless: true })
  t.teardown(async () => { await browser.close() })
  return browser
}
