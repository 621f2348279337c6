// Every answer carries the API's security headers: successes, contract errors, Fastify's
// own 404/415, and 429s from the rate limiter, which answers before any route code runs.
import t from 'tap'
import type { InjectOptions } from 'fastify'
import { buildTestApp } from './helpers/app.js'

const EXPECTED: Record<string, string> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store'
}

t.test('security headers on every kind of answer', async (t) => {
  const app = await buildTestApp(t, { RATE_LIMIT_PER_MINUTE: '1' })
  const requests: Array<[string, InjectOptions, number]> = [
    ['health', { method: 'GET', url: '/health' }, 200],
    ['jwks', { method: 'GET', url: '/.well-known/jwks.json' }, 200],
    ['unknown route', { method: 'GET', url: '/nowhere' }, 404],
    ['401 on a bearer route', { method: 'GET', url: '/api/me' }, 401],
    ['415 wrong content type', { method: 'POST', url: '/auth/register', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'x=1' }, 415],
    ['429 rate limited', { method: 'POST', url: '/auth/register', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'x=1' }, 429]
  ]
  for (const [name, request, status] of requests) {
    const response = await app.inject(request)
    t.equal(response.statusCode, status, name)
    const expected = name === 'jwks' ? { ...EXPECTED, 'cache-control': 'public, max-age=300' } : EXPECTED
    for (const [header, value] of Object.entries(expected)) t.equal(response.headers[header], value, `${name}: ${header}`)
    t.notOk('x-powered-by' in response.headers, `${name}: no x-powered-by`)
  }
})
