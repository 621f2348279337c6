// Over HTTP, another spelling of a live token is a token we never issued: a respelled access token
// gets 401 AUTH_TOKEN_INVALID, a respelled refresh token 401 AUTH_REFRESH_INVALID, and the genuine
// token keeps working.
import t from 'tap'
import { buildTestApp, userWithSession } from '../helpers/app.js'
import { otherES256Signature, trailingBitSpellings, withSegment } from '../helpers/token-spellings.js'

for (const alg of ['EdDSA', 'ES256'] as const) {
  t.test(`${alg}: an access token with set trailing bits in its signature gets 401 AUTH_TOKEN_INVALID`, async (t) => {
    const app = await buildTestApp(t, { JWT_ALG: alg })
    const { accessToken } = await userWithSession(app)
    const me = async (token: string) => await app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } })
    t.equal((await me(accessToken)).statusCode, 200, 'the token as issued works')
    for (const spelling of trailingBitSpellings(accessToken.split('.')[2] as string)) {
      const response = await me(withSegment(accessToken, 2, () => spelling))
      t.equal(response.statusCode, 401, spelling.slice(-2))
      t.equal(response.json().code, 'AUTH_TOKEN_INVALID')
    }
  })
}

t.test('ES256: the high-S twin of an access token gets 401 AUTH_TOKEN_INVALID', async (t) => {
  const app = await buildTestApp(t, { JWT_ALG: 'ES256' })
  const { accessToken } = await userWithSession(app)
  const response = await app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${withSegment(accessToken, 2, otherES256Signature)}` } })
  t.equal(response.statusCode, 401)
  t.equal(response.json().code, 'AUTH_TOKEN_INVALID')
})

t.test('a body refresh token with set trailing bits gets 401 AUTH_REFRESH_INVALID and rotates nothing', async (t) => {
  const app = await buildTestApp(t)
  const { refreshToken } = await userWithSession(app)
  const refresh = async (token: string) => await app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: token } })
  for (const spelling of trailingBitSpellings(refreshToken.slice(3))) {
    const response = await refresh(`rt_${spelling}`)
    t.equal(response.statusCode, 401, spelling.slice(-1))
    t.equal(response.json().code, 'AUTH_REFRESH_INVALID')
  }
  const genuine = await refresh(refreshToken)
  t.equal(genuine.statusCode, 200, 'the genuine token still rotates')
  const next = genuine.json().refreshToken as string
  t.equal((await refresh(next)).statusCode, 200, 'and its successor works')
})

t.test('a cookie refresh token with set trailing bits gets 401 AUTH_REFRESH_INVALID', async (t) => {
  const app = await buildTestApp(t)
  const { username, password } = await userWithSession(app)
  const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { username, password } })
  const cookie = login.cookies.find((c) => c.name === '__Secure-refresh_token')?.value as string
  for (const spelling of trailingBitSpellings(cookie.slice(3))) {
    const response = await app.inject({
      method: 'POST',
      url: '/auth/refresh',
      headers: { cookie: `__Secure-refresh_token=rt_${spelling}`, 'x-requested-with': 'test' }
    })
    t.equal(response.statusCode, 401, spelling.slice(-1))
    t.equal(response.json().code, 'AUTH_REFRESH_INVALID')
  }
  const genuine = await app.inject({ method: 'POST', url: '/auth/refresh', headers: { cookie: `__Secure-refresh_token=${cookie}`, 'x-requested-with': 'test' } })
  t.equal(genuine.statusCode, 200, 'the genuine cookie still rotates')
})
