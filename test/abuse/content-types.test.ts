// Request bodies are JSON only (docs/http-api.md, "Errors": 415 when not JSON): text/plain, forms and
// multipart are refused with 415 on every route that takes a body, before any route code runs.
import t from 'tap'
import { buildTestApp, userWithSession } from '../helpers/app.js'

const BODY_ROUTES = ['/auth/register', '/auth/login', '/auth/refresh', '/auth/logout', '/auth/password']
const NOT_JSON: Array<[string, string]> = [
  ['text/plain', '{"username":"mallory","password":"correct horse battery"}'],
  ['text/plain; charset=utf-8', 'mallory'],
  ['application/x-www-form-urlencoded', 'username=mallory&password=correct+horse+battery'],
  ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="username"\r\n\r\nmallory\r\n--x--\r\n'],
  ['application/xml', '<username>mallory</username>']
]

t.test('a body that is not JSON is 415 on every route that takes one', async (t) => {
  const app = await buildTestApp(t, { RATE_LIMIT_PER_MINUTE: '1000' })
  // /auth/password authenticates first (401 without a token), so it gets a real one.
  const { accessToken } = await userWithSession(app)
  for (const url of BODY_ROUTES) {
    for (const [contentType, payload] of NOT_JSON) {
      const response = await app.inject({ method: 'POST', url, headers: { 'content-type': contentType, authorization: `Bearer ${accessToken}` }, payload })
      t.equal(response.statusCode, 415, `${url} ${contentType}`)
      t.equal(response.json().code, 'FST_ERR_CTP_INVALID_MEDIA_TYPE', `${url} ${contentType}`)
    }
  }
})
