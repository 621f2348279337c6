// CORS_ORIGINS in Chromium: a page on a listed origin of the same site (another port of localhost,
// as a dev server beside Rotor is) logs in, refreshes through the SameSite=Strict refresh cookie and
// reads /api/me; the same page on an origin not listed can read nothing. The cookie settings are the
// defaults (Secure: Chromium keeps Secure cookies from http://localhost), as the README says.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { buildTestApp } from './helpers/app.js'
import { launchChromium, newContext } from './helpers/chromium.js'
import { freePort } from '../bench/lib/redis-server.js'

const PASSWORD = 'correct horse battery'

async function listen (server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

// One blank page, served on two ports: one listed in CORS_ORIGINS, one not.
const pages = [createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>page</title>')),
  createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>elsewhere</title>'))]
t.teardown(() => { for (const server of pages) server.close() })
const [listedPort, otherPort] = [await listen(pages[0] as Server), await listen(pages[1] as Server)]
const listed = `http://localhost:${listedPort}`

const rotorPort = await freePort()
const rotor = `http://localhost:${rotorPort}`
const app = await buildTestApp(t, { CORS_ORIGINS: listed })
await app.listen({ port: rotorPort, host: '127.0.0.1' })
const register = await app.inject({ method: 'POST', url: '/auth/register', payload: { username: 'cors', password: PASSWORD } })
if (register.statusCode !== 201) throw new Error(`register answered ${register.statusCode}`)
const browser = await launchChromium(t)

interface Outcome { login: number, refresh: number, me: unknown }

t.test('a listed origin of the same site logs in, refreshes with the cookie and reads /api/me', async (t) => {
  const context = await newContext(t, browser)
  const page = await context.newPage()
  await page.goto(listed)
  const outcome = await page.evaluate(async ({ rotor, password }): Promise<Outcome> => {
    const post = async (path: string, body?: object): Promise<Response> => await fetch(rotor + path, {
      method: 'POST',
      credentials: 'include',
      headers: body === undefined ? { 'x-requested-with': 'page' } : { 'content-type': 'application/json', 'x-requested-with': 'page' },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const login = await post('/auth/login', { username: 'cors', password })
    const refresh = await post('/auth/refresh')
    const { accessToken } = await refresh.json() as { accessToken: string }
    const me = await (await fetch(rotor + '/api/me', { headers: { authorization: `Bearer ${accessToken}` } })).json() as unknown
    return { login: login.status, refresh: refresh.status, me }
  }, { rotor, password: PASSWORD })
  t.equal(outcome.login, 200, 'the login answer is readable')
  t.equal(outcome.refresh, 200, 'the browser sent the SameSite=Strict refresh cookie to the same-site origin')
  t.match(outcome.me, { username: 'cors' }, '/api/me with the bearer token (a preflighted request)')
  const cookies = await context.cookies(`${rotor}/auth/refresh`)
  t.ok(cookies.some((cookie) => cookie.name === '__Secure-refresh_token' && cookie.secure && cookie.sameSite === 'Strict'), 'the default Secure cookie, kept from http://localhost')
})

t.test('the same page on an origin not listed reads nothing', async (t) => {
  const context = await newContext(t, browser)
  const page = await context.newPage()
  await page.goto(`http://localhost:${otherPort}`)
  const errors = await page.evaluate(async ({ rotor, password }) => {
    const attempts = [
      fetch(rotor + '/auth/login', { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'cors', password }) }),
      fetch(rotor + '/api/me')
    ]
    return await Promise.all(attempts.map(async (attempt) => await attempt.then(() => 'read', (error: Error) => error.name)))
  }, { rotor, password: PASSWORD })
  t.same(errors, ['TypeError', 'TypeError'], 'the browser withholds both answers (the preflighted login and the simple GET)')
  t.same(await context.cookies(`${rotor}/auth/refresh`), [], 'and no refresh cookie was set')
})
