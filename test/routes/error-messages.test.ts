// Error messages say what to do, with the codes unchanged: a 415 names application/json, a 413
// states the limit, a missing refresh token says where one may come from.
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { BODY_LIMIT } from '../../src/app.js'

const app = await buildTestApp(t)

t.test('a 415 names application/json', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/auth/login', headers: { 'content-type': 'text/plain' }, payload: 'x' })
  t.equal(res.statusCode, 415)
  t.equal(res.json().code, 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
  t.match(res.json().message, /Content-Type: application\/json/)
})

t.test('a 413 states the limit', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ username: 'a', password: 'x'.repeat(BODY_LIMIT) }) })
  t.equal(res.statusCode, 413)
  t.equal(res.json().code, 'FST_ERR_CTP_BODY_TOO_LARGE')
  t.match(res.json().message, new RegExp(`at most ${BODY_LIMIT} bytes`))
})

t.test('a missing refresh token says where one may come from', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/auth/refresh', headers: { 'x-requested-with': 'fetch' } })
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'AUTH_REFRESH_MISSING')
  t.match(res.json().message, /cookie with an X-Requested-With header/)
  t.match(res.json().message, /X-Token-Transport: body/)
})
