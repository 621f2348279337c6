// Answers Fastify gives before routing, where no hook runs: a path segment that cannot be decoded
// (400) and one over maxParamLength (414). Found by test/abuse/fuzz.test.ts: they came out as
// Fastify's own body ("error": "Bad Request" on a 414), without security headers, echoing the URL.
// They must keep the contract's error body and carry the same security headers as every answer.
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'

t.test('undecodable and over-long path segments get the contract body and the security headers', async (t) => {
  const app = await buildTestApp(t)
  const reference = await app.inject({ method: 'GET', url: '/nowhere' })
  const cases: Array<[string, number, string]> = [
    [`/auth/sessions/${'a'.repeat(5000)}`, 414, 'FST_ERR_MAX_PARAM_LENGTH'],
    ['/auth/sessions/%ZZ', 400, 'FST_ERR_BAD_URL'],
    ['/auth/sessions/%E0%A4%A', 400, 'FST_ERR_BAD_URL']
  ]
  for (const [url, status, code] of cases) {
    const response = await app.inject({ method: 'DELETE', url })
    t.equal(response.statusCode, status, url.slice(0, 40))
    const body = response.json()
    t.same(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode'])
    t.equal(body.statusCode, status)
    t.equal(body.code, code)
    t.equal(body.error, status === 414 ? 'URI Too Long' : 'Bad Request')
    t.notMatch(body.message, /aaaa|%ZZ/, 'the URL is not echoed back')
    for (const header of ['content-security-policy', 'strict-transport-security', 'x-content-type-options', 'x-frame-options', 'referrer-policy']) {
      t.equal(response.headers[header], reference.headers[header], `${header} as on every other answer`)
    }
    t.equal(response.headers['cache-control'], 'no-store')
  }
})
