// Bearer authentication over a real socket: request.auth reaches the handler, a 60 kB token gets a
// contract 401 rather than Node's 431, and jose fetching the served JWKS accepts our tokens.
import t from 'tap'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { PROTECTED_URL, bearerApp, forge } from '../helpers/access-tokens.js'

t.test('a listening server authenticates bearer tokens', async (t) => {
  const { app } = await bearerApp(t, {}, Date.now())
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  const { token, claims } = app.accessTokens.sign({ userId: 'user-1', sessionId: 'session-1', scope: 'api' })

  const ok = await fetch(`${base}${PROTECTED_URL}`, { headers: { authorization: `Bearer ${token}` } })
  t.equal(ok.status, 200)
  t.same(await ok.json(), { userId: 'user-1', sessionId: 'session-1', scope: 'api', jti: claims.jti, exp: claims.exp })

  const missing = await fetch(`${base}${PROTECTED_URL}`)
  t.equal(missing.status, 401)
  t.equal(missing.headers.get('www-authenticate'), 'Bearer realm="rotor"')
  t.match(await missing.json(), { code: 'AUTH_TOKEN_MISSING' })

  const huge = forge({ alg: 'EdDSA', kid: app.keyRing.signingKid, typ: 'at+jwt' }, { pad: 'x'.repeat(45_000) }) + 'AAAA'
  t.ok(huge.length > 60_000)
  const tooLong = await fetch(`${base}${PROTECTED_URL}`, { headers: { authorization: `Bearer ${huge}` } })
  t.equal(tooLong.status, 401)
  t.match(tooLong.headers.get('www-authenticate'), /^Bearer realm="rotor", error="invalid_token"/)
  t.match(await tooLong.json(), { code: 'AUTH_TOKEN_INVALID' })

  const jwks = createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`))
  const { payload } = await jwtVerify(token, jwks, { issuer: 'http://localhost:3000', audience: 'api', typ: 'at+jwt', algorithms: ['EdDSA'] })
  t.equal(payload.jti, claims.jti)
})
