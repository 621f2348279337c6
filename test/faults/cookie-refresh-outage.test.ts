// A browser's refresh cookie survives answers that spent nothing (docs/http-api.md, "Refresh token
// transport": a 5xx never clears the cookie). With the test's redis-server paused (SIGSTOP) during a
// cookie refresh, a listening server answers 503 AUTH_STORE_UNAVAILABLE without any Set-Cookie, and
// once Redis resumes (SIGCONT) the same cookie refreshes. A 429 spends nothing either. Only a token
// the store says is dead (unknown, expired, reused) clears the cookie.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildTestApp } from '../helpers/app.js'
import { httpRequest, type HttpAnswer } from '../helpers/server-process.js'
import { startRedisServer } from '../../bench/lib/redis-server.js'
import { createRedisStore } from '../../src/store/redis-store.js'

const COOKIE_NAME = '__Secure-refresh_token'
const redis = await startRedisServer()
t.teardown(async () => { await redis.stop() })

async function listeningApp (t: Parameters<typeof buildTestApp>[0], env: Record<string, string> = {}): Promise<string> {
  const store = createRedisStore({ url: redis.url, prefix: `cookie-outage${process.pid}-${Math.random().toString(36).slice(2)}:` })
  t.teardown(async () => { await store.close() })
  // Grace replay off: a refresh that works after the outage cannot be a replay of a spent token.
  const app = await buildTestApp(t, { REFRESH_REUSE_GRACE: '0', ...env }, { store })
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
}

function setCookies (answer: HttpAnswer): string[] {
  const header = answer.headers['set-cookie']
  return header === undefined ? [] : Array.isArray(header) ? header : [header]
}

function refreshCookieOf (answer: HttpAnswer): string {
  const value = setCookies(answer).map((line) => new RegExp(`^${COOKIE_NAME}=([^;]*)`).exec(line)?.[1]).find((found) => found !== undefined)
  if (value === undefined || value === '') throw new Error(`no refresh cookie set: ${JSON.stringify(answer.headers)}`)
  return value
}

async function cookieLogin (base: string): Promise<string> {
  const account = { username: `cookie${Math.random().toString(36).slice(2, 10)}`, password: 'correct horse battery' }
  await httpRequest(`${base}/auth/register`, { method: 'POST', body: account })
  return refreshCookieOf(await httpRequest(`${base}/auth/login`, { method: 'POST', body: account }))
}

async function refreshWith (base: string, cookie: string): Promise<HttpAnswer> {
  return await httpRequest(`${base}/auth/refresh`, { method: 'POST', headers: { cookie: `${COOKIE_NAME}=${cookie}`, 'x-requested-with': 'fetch' } })
}

t.test('Redis paused during a cookie refresh: 503, the cookie stays, and refreshes once Redis resumes', async (t) => {
  const base = await listeningApp(t)
  const cookie = await cookieLogin(base)
  redis.freeze()
  let during: HttpAnswer
  try {
    during = await refreshWith(base, cookie)
  } finally {
    redis.thaw()
  }
  t.equal(during.status, 503, `503 while Redis is paused (${during.body})`)
  t.equal(during.json().code, 'AUTH_STORE_UNAVAILABLE')
  t.same(setCookies(during), [], 'no Set-Cookie: the cookie is neither cleared nor replaced')

  const deadline = Date.now() + 15_000
  let after = await refreshWith(base, cookie)
  while (after.status === 503 && Date.now() < deadline) {
    await sleep(100)
    after = await refreshWith(base, cookie)
  }
  t.equal(after.status, 200, `the same cookie refreshes after Redis resumes (${after.body})`)
  t.not(refreshCookieOf(after), cookie, 'and is replaced by its successor')
})

t.test('rate limited (429): nothing was spent, the cookie stays', async (t) => {
  const base = await listeningApp(t, { RATE_LIMIT_PER_MINUTE: '2' })
  const cookie = await cookieLogin(base)
  // The login and this refresh count against different routes; use the refresh route's budget up.
  const first = await refreshWith(base, cookie)
  t.equal(first.status, 200)
  const next = refreshCookieOf(first)
  t.equal((await refreshWith(base, next)).status, 200)
  const limited = await refreshWith(base, cookie)
  t.equal(limited.status, 429, `429 past the limit (${limited.body})`)
  t.same(setCookies(limited), [], 'no Set-Cookie on a 429')
})

t.test('a dead token (unknown, reused) still clears the cookie', async (t) => {
  const base = await listeningApp(t)
  const cookie = await cookieLogin(base)
  const rotated = await refreshWith(base, cookie)
  t.equal(rotated.status, 200)
  const reused = await refreshWith(base, cookie)
  t.equal(reused.status, 401, 'the spent cookie is reuse')
  t.match(setCookies(reused).join('\n'), new RegExp(`^${COOKIE_NAME}=;.*Max-Age=0`, 'm'), 'reuse clears the cookie')
  const unknown = await refreshWith(base, 'A'.repeat(60))
  t.equal(unknown.status, 401)
  t.match(setCookies(unknown).join('\n'), new RegExp(`^${COOKIE_NAME}=;.*Max-Age=0`, 'm'), 'an unknown token clears the cookie')
})
