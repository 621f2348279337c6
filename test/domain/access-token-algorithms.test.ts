// Each JWT_ALG signs and verifies, and an independent verifier (jose) accepts our tokens with
// exact iss, aud and typ (RFC 9068 §4).
import { readFile } from 'node:fs/promises'
import t from 'tap'
import { createLocalJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose'
import { createAccessTokens, ACCESS_TOKEN_TYP } from '../../src/domain/access-tokens.js'
import { generateKeyFile, loadKeyRing } from '../../src/domain/keys.js'
import { ALGORITHMS, tempKeyDir } from '../helpers/access-tokens.js'

const config = { jwtIssuer: 'https://auth.example', jwtAudience: 'api.example', accessTokenTtl: 900 }
const subject = { userId: 'user-1', sessionId: 'session-1', scope: 'api read' }

for (const alg of ALGORITHMS) {
  t.test(`${alg}: a signed token verifies here and with jose`, async (t) => {
    const { dir, files } = await tempKeyDir(t, alg, ['2025-01-01'])
    const keyRing = await loadKeyRing({ jwtAlg: alg, jwtKeysDir: dir })
    const tokens = createAccessTokens({ keyRing, config, now: Date.now })
    const signed = tokens.sign(subject)
    t.equal(signed.expiresIn, 900)

    const claims = tokens.verify(signed.token)
    t.same(claims, signed.claims)
    t.match(claims, { iss: config.jwtIssuer, aud: config.jwtAudience, sub: 'user-1', sid: 'session-1', scope: 'api read' })
    t.equal(claims.nbf, claims.iat)
    t.equal(claims.exp, claims.iat + 900)
    t.match(claims.jti, /^[0-9a-f-]{36}$/)

    const key: JWTVerifyGetKey | Uint8Array = alg === 'HS256'
      ? new Uint8Array(await readFile(files.get('2025-01-01') as string))
      : createLocalJWKSet(keyRing.jwks())
    const verified = await jwtVerify(signed.token, key as JWTVerifyGetKey, {
      algorithms: [alg],
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      typ: ACCESS_TOKEN_TYP,
      requiredClaims: ['iss', 'aud', 'sub', 'iat', 'nbf', 'exp', 'jti', 'sid', 'scope']
    })
    t.same(verified.protectedHeader, { alg, kid: '2025-01-01', typ: 'at+jwt' })
    t.same(verified.payload, { ...claims })
  })
}

t.test('every token gets its own jti', async (t) => {
  const keyRing = await loadKeyRing({ jwtAlg: 'EdDSA', jwtKeysDir: undefined })
  const tokens = createAccessTokens({ keyRing, config, now: Date.now })
  const jtis = new Set(Array.from({ length: 200 }, () => tokens.sign(subject).claims.jti))
  t.equal(jtis.size, 200)
})

t.test('sign refuses an empty subject, session or scope', async (t) => {
  const keyRing = await loadKeyRing({ jwtAlg: 'EdDSA', jwtKeysDir: undefined })
  const tokens = createAccessTokens({ keyRing, config, now: Date.now })
  for (const empty of ['userId', 'sessionId', 'scope']) {
    t.throws(() => tokens.sign({ ...subject, [empty]: '' }), TypeError, empty)
  }
})

t.test('a token signed before a rotation keeps verifying; new ones use the new kid', async (t) => {
  const { dir } = await tempKeyDir(t, 'ES256', ['2025-01-01'])
  const keyRing = await loadKeyRing({ jwtAlg: 'ES256', jwtKeysDir: dir })
  const tokens = createAccessTokens({ keyRing, config, now: Date.now })
  const before = tokens.sign(subject).token
  await generateKeyFile('ES256', dir, '2025-06-01')
  await keyRing.reload()
  const after = tokens.sign(subject).token
  t.equal(JSON.parse(Buffer.from(after.split('.')[0] as string, 'base64url').toString()).kid, '2025-06-01')
  t.ok(tokens.verify(before))
  t.ok(tokens.verify(after))
})
