// CORS_ORIGINS (docs/http-api.md, "Configuration"): the listed origins, compared exactly, may call
// /auth/* and /api/* with credentials; any other origin, any other route, and an unset CORS_ORIGINS
// get no CORS header at all. The API's security headers are the same on every one of these answers.
import t, { type Test } from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { buildTestApp } from './helpers/app.js'
import { SECURITY_HEADERS } from '../plugins/security-headers.js'

const APP = 'https://app.example.com'
const LOCAL = 'http://localhost:5173'

function corsHeadersOf (response: LightMyRequestResponse): string[] {
  return Object.keys(response.headers).filter((name) => name.startsWith('access-control-'))
}

function preflight (url: string, origin: string, headers = 'content-type,x-requested-with'): object {
  return { method: 'OPTIONS', url, headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': headers } }
}

function sameSecurityHeaders (t: Test, response: LightMyRequestResponse, name: string): void {
  for (const [header, value] of Object.entries(SECURITY_HEADERS)) t.equal(response.headers[header], value, `${name}: ${header} unchanged`)
}

t.test('a listed origin: a simple request is shared, with credentials', async (t) => {
  const app = await buildTestApp(t, { CORS_ORIGINS: `${APP},${LOCAL}` })
  for (const origin of [APP, LOCAL]) {
    const response = await app.inject({ method: 'POST', url: '/auth/register', headers: { origin }, payload: { username: `u${origin.length}`, password: 'correct horse battery' } })
    t.equal(response.statusCode, 201)
    t.equal(response.headers['access-control-allow-origin'], origin, 'the one origin that asked, never *')
    t.equal(response.headers['access-control-allow-credentials'], 'true')
    t.match(response.headers.vary, /origin/i, 'caches keep answers to different origins apart')
    t.equal(response.headers['access-control-expose-headers'], 'Retry-After, WWW-Authenticate, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset')
    sameSecurityHeaders(t, response, `${origin} register`)
  }
  const me = await app.inject({ method: 'GET', url: '/api/me', headers: { origin: APP } })
  t.equal(me.statusCode, 401)
  t.equal(me.headers['access-control-allow-origin'], APP, 'an error is shared too, so the page can read its code')
})

t.test('a listed origin: a 429 is shared too, so the page can read how long to wait', async (t) => {
  const app = await buildTestApp(t, { CORS_ORIGINS: APP, RATE_LIMIT_PER_MINUTE: '1' })
  const login = { method: 'POST', url: '/auth/login', headers: { origin: APP }, payload: { username: 'nobody', password: 'correct horse battery' } } as const
  t.equal((await app.inject(login)).statusCode, 401)
  const limited = await app.inject(login)
  t.equal(limited.statusCode, 429)
  t.equal(limited.headers['access-control-allow-origin'], APP, 'the limiter answers after the CORS headers are set')
  t.match(limited.headers['access-control-expose-headers'], /Retry-After/)
  t.ok(Number(limited.headers['retry-after']) > 0)
})

t.test('a listed origin: the preflight allows the contract\'s methods and headers', async (t) => {
  const app = await buildTestApp(t, { CORS_ORIGINS: APP })
  for (const url of ['/auth/login', '/auth/refresh', '/auth/sessions/abc', '/api/me']) {
    const response = await app.inject(preflight(url, APP, 'authorization,content-type,x-requested-with,x-token-transport'))
    t.equal(response.statusCode, 204, url)
    t.equal(response.headers['access-control-allow-origin'], APP)
    t.equal(response.headers['access-control-allow-credentials'], 'true')
    t.equal(response.headers['access-control-allow-methods'], 'GET, POST, DELETE')
    t.equal(response.headers['access-control-allow-headers'], 'Content-Type, Authorization, X-Requested-With, X-Token-Transport')
    t.notMatch(response.headers['access-control-allow-headers'], /last-event-id/i, 'the revocation feed is for gateways, not pages')
    t.equal(response.headers['access-control-max-age'], '600')
    t.equal(response.headers['content-length'], '0')
    sameSecurityHeaders(t, response, `preflight ${url}`)
  }
  const bare = await app.inject({ method: 'OPTIONS', url: '/auth/login', headers: { origin: APP } })
  t.equal(bare.statusCode, 204, 'an OPTIONS without Access-Control-Request-Method is no text/plain 400')
})

t.test('an origin not listed, or a route outside /auth and /api, gets no CORS header', async (t) => {
  const app = await buildTestApp(t, { CORS_ORIGINS: APP })
  // Lookalikes of the listed origin: a suffix, a prefix, another scheme, a port, a trailing slash.
  for (const origin of ['https://evil.example', `${APP}.evil.example`, 'https://xapp.example.com', 'http://app.example.com', `${APP}:8443`, `${APP}/`, 'null']) {
    const simple = await app.inject({ method: 'GET', url: '/api/me', headers: { origin } })
    t.equal(simple.statusCode, 401)
    t.same(corsHeadersOf(simple), [], `${origin}: simple request, no CORS header`)
    sameSecurityHeaders(t, simple, origin)
    const refused = await app.inject(preflight('/auth/refresh', origin))
    t.equal(refused.statusCode, 404, `${origin}: preflight is not answered`)
    t.equal(refused.json().code, 'FST_ERR_NOT_FOUND')
    t.same(corsHeadersOf(refused), [], `${origin}: preflight, no CORS header`)
  }
  for (const url of ['/health', '/.well-known/jwks.json', '/docs/json']) {
    const response = await app.inject({ method: 'GET', url, headers: { origin: APP } })
    t.equal(response.statusCode, 200, url)
    t.same(corsHeadersOf(response), [], `${url}: no CORS header for a listed origin either`)
  }
  const noOrigin = await app.inject({ method: 'GET', url: '/api/me' })
  t.same(corsHeadersOf(noOrigin), [], 'a request without Origin (same origin, or not a browser)')
})

t.test('CORS_ORIGINS unset: no CORS header anywhere, OPTIONS is an unknown route', async (t) => {
  const app = await buildTestApp(t)
  const simple = await app.inject({ method: 'POST', url: '/auth/register', headers: { origin: APP }, payload: { username: 'someone', password: 'correct horse battery' } })
  t.equal(simple.statusCode, 201)
  t.same(corsHeadersOf(simple), [])
  t.notOk(simple.headers.vary, 'nothing varies by origin')
  const refused = await app.inject(preflight('/auth/login', APP))
  t.equal(refused.statusCode, 404)
  t.same(corsHeadersOf(refused), [])
})
