// The SPA example as a user meets it: its page, served with Rotor on one origin by its server, with
// Rotor's default (Secure, __Secure-) cookie. Register, log in, see /api/me, list the sessions,
// revoke another one, log out, and find the session gone after a reload.
import t from 'tap'
import { readFile, readdir } from 'node:fs/promises'
import { extname, join } from 'node:path'
import type { StaticFile } from '../../examples/spa/spa-server.js'
import { launchChromium, newContext } from '../helpers/chromium.js'
import { startRotorOrigin } from '../helpers/rotor-origin.js'
import { httpRequest, REPO_ROOT } from '../helpers/server-process.js'

const USERNAME = 'ada'
const PASSWORD = 'correct horse battery staple'
const PUBLIC_DIR = join(REPO_ROOT, 'examples', 'spa', 'public')
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' }

const files: Record<string, StaticFile> = {}
for (const name of await readdir(PUBLIC_DIR)) files[`/${name}`] = { body: await readFile(join(PUBLIC_DIR, name)), type: TYPES[extname(name)] ?? 'text/plain' }
const origin = await startRotorOrigin(t, { files })
const browser = await launchChromium(t)

t.test('the example page logs in, lists and revokes sessions, and logs out', async (t) => {
  const context = await newContext(t, browser)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => { errors.push(error.message) })
  await page.goto(`${origin.url}/`)
  const status = page.locator('#status')
  await status.getByText('Not signed in.').waitFor()

  await page.getByLabel('Username').fill(USERNAME)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Register' }).click()
  await status.getByText('Registered: now log in.').waitFor()
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.locator('#username').getByText(USERNAME).waitFor()
  t.equal(await page.locator('#sessions tr').count(), 1, 'one session: this browser')

  // A second device logs in; the page lists it and revokes it.
  const device = await httpRequest(`${origin.rotorUrl}/auth/login`, { method: 'POST', headers: { 'x-token-transport': 'body' }, body: { username: USERNAME, password: PASSWORD } })
  const { refreshToken } = device.json<{ refreshToken: string }>()
  await page.getByRole('button', { name: 'Reload sessions' }).click()
  await page.locator('#sessions tr').nth(1).waitFor()
  t.equal(await page.locator('#sessions tr', { hasText: 'this browser' }).count(), 1, 'this browser is marked')
  await page.getByRole('button', { name: 'Revoke' }).click()
  await page.locator('#sessions tr').nth(1).waitFor({ state: 'detached' })
  const revoked = await httpRequest(`${origin.rotorUrl}/auth/refresh`, { method: 'POST', body: { refreshToken } })
  t.equal(revoked.status, 401, 'the revoked device can no longer refresh')

  await page.getByRole('button', { name: 'Log out', exact: true }).click()
  await status.getByText('Signed out (logout).').waitFor()
  t.ok(await page.locator('#login').isVisible(), 'the login form is back')
  await page.reload()
  await status.getByText('Not signed in.').waitFor()
  t.equal(origin.count('POST', '/auth/logout', 204), 1, 'Rotor ended the session')
  t.same(errors, [], 'no script error on the page')
})
