// GET /.well-known/jwks.json serves the public keys that verify live tokens, cacheable for a short
// while, and an independent verifier (jose over the served set) accepts what the server signs.
import t from 'tap'
import { createLocalJWKSet, jwtVerify } from 'jose'
import { ALGORITHMS, PROTECTED_URL, bearerApp, tempKeyDir } from '../helpers/access-tokens.js'

for (const alg of ALGORITHMS.filter((alg) => alg !== 'HS256')) {
  t.test(`${alg}: jose accepts our token through the served JWKS`, async (t) => {
    const { dir } = await tempKeyDir(t, alg, ['2025-01-01', '2025-07-01'])
    const { app, clock } = await bearerApp(t, { JWT_ALG: alg, JWT_KEYS_DIR: dir, JWT_ISSUER: 'https://auth.example', JWT_AUDIENCE: 'gateway' }, Date.now())

    const response = await app.inject('/.well-known/jwks.json')
    t.equal(response.statusCode, 200)
    t.equal(response.headers['cache-control'], 'public, max-age=300')
    t.match(response.headers['content-type'], /^application\/json/)
    const jwks = response.json() as { keys: Array<Record<string, unknown>> }
    t.same(jwks.keys.map((key) => [key.kid, key.alg, key.use]), [['2025-01-01', alg, 'sig'], ['2025-07-01', alg, 'sig']])
    for (const key of jwks.keys) t.notOk('d' in key, 'public members only')

    const { token } = app.accessTokens.sign({ userId: 'u1', sessionId: 's1', scope: 'api' })
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]), {
      algorithms: [alg], issuer: 'https://auth.example', audience: 'gateway', typ: 'at+jwt', currentDate: new Date(clock.now)
    })
    t.equal(protectedHeader.kid, '2025-07-01', 'the newest kid signs')
    t.equal(payload.sub, 'u1')

    const me = await app.inject({ url: PROTECTED_URL, headers: { authorization: `Bearer ${token}` } })
    t.equal(me.statusCode, 200)
  })
}

t.test('HS256: the JWKS is empty', async (t) => {
  const { dir } = await tempKeyDir(t, 'HS256', ['k1'])
  const { app } = await bearerApp(t, { JWT_ALG: 'HS256', JWT_KEYS_DIR: dir })
  const response = await app.inject('/.well-known/jwks.json')
  t.equal(response.statusCode, 200)
  t.same(response.json(), { keys: [] })
})

t.test('an ephemeral key is served too', async (t) => {
  const { app } = await bearerApp(t)
  const { keys } = (await app.inject('/.well-known/jwks.json')).json() as { keys: Array<{ kid: string, kty: string, crv: string }> }
  t.equal(keys.length, 1)
  t.match(keys[0], { kty: 'OKP', crv: 'Ed25519', kid: app.keyRing.signingKid })
})
